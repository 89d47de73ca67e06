package io.cmrwatch.trainer.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The trainer's own Prometheus metrics, in a registry of their own, optionally served on {@code
 * /metrics} by the Prometheus Java client's HTTP exporter. Names follow the project's convention
 * ({@code cmrwatch_trainer_} prefix, base units, {@code _total} on counters, the common label
 * {@code application}; docs/operations.md, "Metrics").
 */
public final class TrainerMetrics implements AutoCloseable {

  /** The value of the common label {@code application}. */
  public static final String APPLICATION = "cmrwatch-trainer";

  private static final Labels COMMON = Labels.of("application", APPLICATION);

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter tokens;
  private final Gauge tokensPerSecond;
  private final Gauge loss;
  private final Gauge ratio;
  private final Info device;
  private final Counter events;
  private final Counter ratioChanges;
  private final Counter adviceRefused;
  private HTTPServer server;

  /**
   * Metrics for one run (labels {@code experiment} and {@code run}: one agent trains a handful of
   * runs).
   */
  public TrainerMetrics() {
    tokens =
        Counter.builder()
            .name("cmrwatch_trainer_tokens_total")
            .constLabels(COMMON)
            .help("Tokens trained, pre-training and CPT.")
            .labelNames("phase", "run")
            .register(registry);
    tokensPerSecond =
        Gauge.builder()
            .name("cmrwatch_trainer_tokens_per_second")
            .constLabels(COMMON)
            .help("Training throughput over the last progress interval.")
            .labelNames("phase", "run")
            .register(registry);
    loss =
        Gauge.builder()
            .name("cmrwatch_trainer_validation_loss_nats")
            .constLabels(COMMON)
            .help("Latest validation loss in nats per byte, by corpus (general, domain).")
            .labelNames("run", "corpus")
            .register(registry);
    ratio =
        Gauge.builder()
            .name("cmrwatch_trainer_domain_ratio")
            .constLabels(COMMON)
            .help(
                "Domain share of the training mix: the target R and the actual share of tokens so far.")
            .labelNames("run", "kind")
            .register(registry);
    device =
        Info.builder()
            .name("cmrwatch_trainer_device_info")
            .constLabels(COMMON)
            .help("The device the model trains on.")
            .labelNames("device", "engine")
            .register(registry);
    events =
        Counter.builder()
            .name("cmrwatch_trainer_events_total")
            .constLabels(COMMON)
            .help("Loss events handed to Kafka, by outcome (published, failed).")
            .labelNames("run", "outcome")
            .register(registry);
    ratioChanges =
        Counter.builder()
            .name("cmrwatch_trainer_ratio_changes_total")
            .constLabels(COMMON)
            .help("Ratio changes applied from advice.")
            .labelNames("run")
            .register(registry);
    adviceRefused =
        Counter.builder()
            .name("cmrwatch_trainer_advice_refused_total")
            .constLabels(COMMON)
            .help("Advice messages not applied (policy off or log, outside the window, too soon).")
            .labelNames("run")
            .register(registry);
  }

  /**
   * Serves {@code /metrics} on {@code host:port} (port 0 picks a free port); returns the bound
   * port.
   */
  public int serve(String host, int port) {
    try {
      server = HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart();
      return server.getPort();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot serve metrics on "
              + host
              + ":"
              + port
              + " ("
              + e.getMessage()
              + "); pick another --metrics-port",
          e);
    }
  }

  /** The registry, for tests and for embedding. */
  public PrometheusRegistry registry() {
    return registry;
  }

  public void trained(String phase, String run, long n) {
    tokens.labelValues(phase, run).inc(n);
  }

  public void throughput(String phase, String run, double perSecond) {
    tokensPerSecond.labelValues(phase, run).set(perSecond);
  }

  public void losses(String run, double general, double domain) {
    loss.labelValues(run, "general").set(general);
    loss.labelValues(run, "domain").set(domain);
  }

  public void ratios(String run, double target, double actual) {
    ratio.labelValues(run, "target").set(target);
    ratio.labelValues(run, "actual").set(actual);
  }

  public void device(String name, String engine) {
    device.setLabelValues(name, engine);
  }

  public void published(String run) {
    events.labelValues(run, "published").inc();
  }

  public void failed(String run) {
    events.labelValues(run, "failed").inc();
  }

  public void ratioChanged(String run) {
    ratioChanges.labelValues(run).inc();
  }

  public void adviceRefused(String run) {
    adviceRefused.labelValues(run).inc();
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
      server = null;
    }
  }
}
