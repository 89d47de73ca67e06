package io.cmrwatch.ingest.metrics;

import io.cmrwatch.core.event.Rejection;
import io.cmrwatch.ingest.produce.EventPublisher;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.Producer;

/**
 * The ingest service's meters, rendered for Prometheus at {@code GET /metrics}: requests by
 * endpoint and status, events accepted and rejected (by reason), request duration, JVM and Kafka
 * producer metrics. Names are dot.case under {@code cmrwatch.ingest} with base units, and every
 * meter carries the common tag {@code application} (docs/operations.md, "Metrics"); the Prometheus
 * registry renders {@code cmrwatch_ingest_..._total} and {@code _seconds}.
 */
public final class IngestMetrics implements AutoCloseable {

  private final PrometheusMeterRegistry registry;
  private final Counter accepted;
  private final Map<Rejection, Counter> rejected = new EnumMap<>(Rejection.class);
  private final Map<String, Counter> requests = new ConcurrentHashMap<>();
  private final Map<String, Timer> durations = new ConcurrentHashMap<>();
  private JvmGcMetrics gc;
  private KafkaClientMetrics kafka;

  /** The value of the common tag {@code application}. */
  public static final String APPLICATION = "cmrwatch-ingest";

  /** A registry with the common tag {@code application=cmrwatch-ingest} and JVM metrics bound. */
  public IngestMetrics() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Common tags first: meters registered before this call would not carry them.
    registry.config().commonTags("application", APPLICATION);
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc = new JvmGcMetrics();
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    accepted =
        Counter.builder("cmrwatch.ingest.events.accepted")
            .description("Loss events acknowledged by Kafka")
            .register(registry);
    // Every reason is registered up front so a dashboard sees 0 rather than no series.
    for (Rejection r : Rejection.values()) {
      rejected.put(
          r,
          Counter.builder("cmrwatch.ingest.events.rejected")
              .description("Loss events rejected as malformed or impossible")
              .tag("reason", r.code())
              .register(registry));
    }
  }

  /** Binds the producer's own metrics (record send rate, batch size, request latency, ...). */
  public void bindProducer(Producer<?, ?> producer) {
    kafka = new KafkaClientMetrics(producer);
    kafka.bindTo(registry);
  }

  /** Exposes how many events await Kafka's acknowledgement (429s start at the in-flight limit). */
  public void bindInFlight(EventPublisher publisher) {
    Gauge.builder("cmrwatch.ingest.events.in.flight", publisher, EventPublisher::inFlight)
        .description("Loss events sent to Kafka and not yet acknowledged")
        .register(registry);
  }

  /** Counts {@code n} events acknowledged by Kafka. */
  public void accepted(int n) {
    accepted.increment(n);
  }

  /** Counts one rejected event. */
  public void rejected(Rejection reason) {
    rejected.get(reason).increment();
  }

  /** Records one finished request. */
  public void request(String endpoint, int status, Duration duration) {
    requests
        .computeIfAbsent(
            endpoint + ' ' + status,
            k ->
                Counter.builder("cmrwatch.ingest.requests")
                    .description("HTTP requests by endpoint and status")
                    .tag("endpoint", endpoint)
                    .tag("status", Integer.toString(status))
                    .register(registry))
        .increment();
    durations
        .computeIfAbsent(
            endpoint,
            k ->
                Timer.builder("cmrwatch.ingest.request.duration")
                    .description("HTTP request duration, from request line to response sent")
                    .tag("endpoint", endpoint)
                    .publishPercentileHistogram()
                    .register(registry))
        .record(duration);
  }

  /** The registry (for tests and further binders). */
  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    if (kafka != null) {
      kafka.close();
    }
    if (gc != null) {
      gc.close();
    }
    registry.close();
  }
}
