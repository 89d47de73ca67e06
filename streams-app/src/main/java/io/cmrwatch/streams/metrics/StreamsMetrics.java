package io.cmrwatch.streams.metrics;

import io.cmrwatch.core.event.Rejection;
import io.cmrwatch.streams.dlq.DeadLetterListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The streams app's Micrometer meters, exported in Prometheus text (their names and tags are a
 * contract: the dashboards and alert rules use them). Processors report into it from stream
 * threads; the registry reads the latest values when scraped. Per-run series are capped at {@code
 * cmrwatch.metrics.max-runs} so that tag values stay bounded.
 */
public final class StreamsMetrics implements DeadLetterListener, AutoCloseable {

  /** The common tag value of {@code application}. */
  public static final String APPLICATION = "cmrwatch-streams";

  // The pipeline's own meters, few and polled often (a benchmark reads its counters every 20 ms),
  // apart from the many series of experiments, runs and Kafka's clients: a scrape of some of the
  // former need not collect all of the latter.
  private final PrometheusMeterRegistry registry;
  private final PrometheusMeterRegistry detail;
  private final int maxRuns;
  private final Counter processed;
  private final Counter duplicates;
  private final Counter published;
  private final Timer latency;
  private final Timer inputDelay;
  private final Map<String, ExperimentGauges> experiments = new ConcurrentHashMap<>();
  private final Map<String, RunGauges> runs = new ConcurrentHashMap<>();
  private KafkaStreamsMetrics streamsBinder;
  // Objects that meters read and nothing else holds (meters keep theirs weakly).
  private final List<Object> readers = new CopyOnWriteArrayList<>();

  public StreamsMetrics(int maxRuns) {
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.detail = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Common tags first: meters registered before this call would not carry them.
    registry.config().commonTags("application", APPLICATION);
    detail.config().commonTags("application", APPLICATION);
    this.maxRuns = maxRuns;
    this.processed =
        Counter.builder("cmrwatch.events.processed")
            .description("valid loss events processed (duplicates included)")
            .register(registry);
    this.duplicates =
        Counter.builder("cmrwatch.events.duplicate")
            .description("loss events ignored because their event id was already absorbed")
            .register(registry);
    this.published =
        Counter.builder("cmrwatch.estimates.published")
            .description(
                "CMR estimates published on cpt.cmr-estimates (recomputes that changed it meaningfully)")
            .register(registry);
    this.latency =
        delayTimer(
            "cmrwatch.estimate.latency",
            "time from the oldest event not yet in an estimate to the recomputed estimate");
    this.inputDelay =
        delayTimer(
            "cmrwatch.input.delay",
            "time from a loss event's record timestamp to its processing by the app");
    refits("run");
    refits("experiment");
    refitTimer("experiment");
    // Every known reason's series exists from the start at 0: Prometheus' increase() sees the first
    // dead letter of a
    // reason (a series born at 1 shows no increase, and the DLQ alert would miss it).
    for (Rejection r : Rejection.values()) {
      deadLetters(r.code());
    }
    for (String reason : TOPOLOGY_REASONS) {
      deadLetters(reason);
    }
  }

  /**
   * Dead-letter reasons the topology itself gives, beside the event codec's {@link Rejection}
   * codes.
   */
  public static final List<String> TOPOLOGY_REASONS =
      List.of("malformed_record", "loss_out_of_range", "processing_error");

  private Counter deadLetters(String reason) {
    return Counter.builder("cmrwatch.dlq.records")
        .description("records sent to the dead-letter topic")
        .tag("reason", reason)
        .register(registry);
  }

  /** Content type of the Prometheus text exposition format this app serves. */
  public static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

  private static final List<String> SAMPLE_SUFFIXES =
      List.of("_total", "_created", "_bucket", "_count", "_sum", "_info");

  /** The Prometheus text exposition. */
  public String scrape() {
    return registry.scrape() + detail.scrape();
  }

  /**
   * The Prometheus text exposition of the named metric families only (e.g. {@code
   * cmrwatch_events_processed_total}); all of them when {@code names} is null.
   */
  public String scrape(Set<String> names) {
    if (names == null) {
      return scrape();
    }
    Set<String> own = new HashSet<>();
    registry.getPrometheusRegistry().scrape().forEach(m -> own.add(m.getMetadata().getName()));
    // Families are registered under their base name; accept the exposed sample names too (x_total,
    // x_bucket, ...).
    Set<String> families = new HashSet<>(names);
    boolean ownOnly = true;
    for (String n : names) {
      boolean mine = own.contains(n);
      for (String suffix : SAMPLE_SUFFIXES) {
        if (n.endsWith(suffix)) {
          String base = n.substring(0, n.length() - suffix.length());
          families.add(base);
          mine |= own.contains(base);
        }
      }
      ownOnly &= mine;
    }
    String text = registry.scrape(TEXT_FORMAT, families);
    return ownOnly ? text : text + detail.scrape(TEXT_FORMAT, families);
  }

  /** Binds Kafka Streams' own client metrics (consumer lag, producer, stream threads). */
  public synchronized void bind(KafkaStreams streams) {
    if (streamsBinder != null) {
      streamsBinder.close();
    }
    streamsBinder = new KafkaStreamsMetrics(streams);
    streamsBinder.bindTo(detail);
  }

  /**
   * The gauges of the decoded-state caches ({@code cmrwatch.cache.decoded-bytes}): the bytes they
   * hold by estimate, their limit, and a counter of the values they evicted (each is read back from
   * its store when next needed).
   */
  public void decodedCache(LongSupplier usedBytes, long limitBytes, LongSupplier evictions) {
    // Meters hold their state objects weakly; these suppliers are lambdas nothing else holds.
    readers.add(usedBytes);
    readers.add(evictions);
    Gauge.builder("cmrwatch.decoded.cache.used", usedBytes, s -> s.getAsLong())
        .baseUnit("bytes")
        .description("heap the experiments kept deserialised between events take (estimate)")
        .register(registry);
    Gauge.builder("cmrwatch.decoded.cache.limit", () -> limitBytes)
        .baseUnit("bytes")
        .description("cmrwatch.cache.decoded-bytes: the most heap the deserialised states may take")
        .register(registry);
    FunctionCounter.builder("cmrwatch.decoded.cache.evictions", evictions, s -> s.getAsLong())
        .description(
            "deserialised states dropped to stay within the limit (read back from the stores when needed)")
        .register(registry);
  }

  public void eventProcessed() {
    processed.increment();
  }

  public void duplicateEvent() {
    duplicates.increment();
  }

  @Override
  public void deadLettered(String reason) {
    deadLetters(reason).increment();
  }

  // A delay of the pipeline, from a millisecond to minutes, with a percentile histogram for
  // histogram_quantile.
  private Timer delayTimer(String name, String description) {
    return Timer.builder(name)
        .description(description)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofMinutes(5))
        .register(registry);
  }

  /**
   * Records one analysis of an experiment that took {@code nanos} and refitted {@code runs} runs
   * (those with new events): {@code cmrwatch_refits_total{level="experiment"}} and {@code
   * {level="run"}}, and the analysis time in {@code cmrwatch_refit_duration_seconds}.
   */
  public void analysis(long nanos, int runs) {
    refits("experiment").increment();
    refits("run").increment(runs);
    refitTimer("experiment").record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Counts an estimate published on {@code cpt.cmr-estimates}. */
  public void estimatePublished() {
    published.increment();
  }

  /** Records the time from a loss event's record timestamp to its processing by the app. */
  public void inputDelay(long millis) {
    inputDelay.record(Math.max(0, millis), TimeUnit.MILLISECONDS);
  }

  /** Records the time from the oldest event not yet reflected to a recomputed estimate. */
  public void estimateLatency(long millis) {
    latency.record(Math.max(0, millis), TimeUnit.MILLISECONDS);
  }

  /** Counts an alert transition; {@code state} is {@code firing} or {@code resolved}. */
  public void alert(String kind, String state) {
    Counter.builder("cmrwatch.alerts")
        .description("alert transitions")
        .tags("kind", kind, "state", state)
        .register(registry)
        .increment();
  }

  /** The gauges of {@code experiment}, created on first use. */
  public ExperimentGauges experiment(String experiment) {
    return experiments.computeIfAbsent(experiment, e -> new ExperimentGauges(detail, e));
  }

  /**
   * The gauges of {@code run}, created on first use while fewer than the cap exist; {@code null}
   * past the cap (the caller then simply does not report that run).
   */
  public RunGauges run(String experiment, String run) {
    String key = experiment + '\u0000' + run;
    RunGauges g = runs.get(key);
    if (g != null || runs.size() >= maxRuns) {
      return g;
    }
    synchronized (runs) {
      if (runs.size() >= maxRuns) {
        return runs.get(key);
      }
      return runs.computeIfAbsent(key, k -> new RunGauges(detail, experiment, run));
    }
  }

  /** Removes the series of an experiment, and of its runs, that this instance no longer owns. */
  public void forgetExperiment(String experiment) {
    ExperimentGauges g = experiments.remove(experiment);
    if (g != null) {
      g.remove();
    }
    String prefix = experiment + '\u0000';
    runs.entrySet()
        .removeIf(
            r -> {
              if (r.getKey().startsWith(prefix)) {
                r.getValue().remove();
                return true;
              }
              return false;
            });
  }

  private Counter refits(String level) {
    return Counter.builder("cmrwatch.refits")
        .description(
            "analyses of an experiment (level experiment), and the runs with new events they refitted"
                + " (level run)")
        .tag("level", level)
        .register(registry);
  }

  private Timer refitTimer(String level) {
    return Timer.builder("cmrwatch.refit.duration")
        .description("time of one analysis of an experiment")
        .tag("level", level)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(10_000))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
  }

  @Override
  public synchronized void close() {
    if (streamsBinder != null) {
      streamsBinder.close();
      streamsBinder = null;
    }
    registry.close();
    detail.close();
  }

  /**
   * Per-experiment gauges: the estimate and its bounds (present only while the status is ok),
   * status, counts.
   */
  public static final class ExperimentGauges {
    private final MeterRegistry registry;
    private final String experiment;
    private final List<Meter> always = new ArrayList<>();
    private final List<Meter> estimateMeters = new ArrayList<>();
    private final Map<String, Gauge> statusGauges = new ConcurrentHashMap<>();
    private volatile double cmr = Double.NaN;
    private volatile double low = Double.NaN;
    private volatile double high = Double.NaN;
    private volatile double runsUsed;
    private volatile double pointsUsed;
    private volatile double budgetTokens = Double.NaN;
    private volatile String status = "";

    ExperimentGauges(MeterRegistry registry, String experiment) {
      this.registry = registry;
      this.experiment = experiment;
      Tags t = Tags.of("experiment", experiment);
      always.add(
          Gauge.builder("cmrwatch.cmr.runs.used", this, g -> g.runsUsed)
              .tags(t)
              .description("runs whose fits the CMR estimate uses")
              .register(registry));
      always.add(
          Gauge.builder("cmrwatch.cmr.points.used", this, g -> g.pointsUsed)
              .tags(t)
              .description("summary points behind the CMR estimate")
              .register(registry));
      always.add(
          Gauge.builder("cmrwatch.cmr.budget.tokens", this, g -> g.budgetTokens)
              .tags(t)
              .description("the experiment's token budget")
              .register(registry));
    }

    /**
     * Sets the latest estimate; {@code ok} says whether cmr/low/high are an estimate (else they are
     * withdrawn).
     */
    public synchronized void update(
        String status,
        boolean ok,
        double cmr,
        double low,
        double high,
        int runsUsed,
        int pointsUsed,
        double budgetTokens) {
      this.cmr = cmr;
      this.low = low;
      this.high = high;
      this.runsUsed = runsUsed;
      this.pointsUsed = pointsUsed;
      this.budgetTokens = budgetTokens;
      this.status = status;
      statusGauges.computeIfAbsent(
          status,
          s ->
              Gauge.builder("cmrwatch.cmr.status", this, g -> s.equals(g.status) ? 1.0 : 0.0)
                  .tags("experiment", experiment, "status", s)
                  .description("1 for the experiment's current estimate status")
                  .register(registry));
      if (ok && estimateMeters.isEmpty()) {
        Tags t = Tags.of("experiment", experiment);
        estimateMeters.add(
            Gauge.builder("cmrwatch.cmr.estimate", this, g -> g.cmr)
                .tags(t)
                .description("the CMR estimate (domain share)")
                .register(registry));
        estimateMeters.add(
            Gauge.builder("cmrwatch.cmr.estimate.low", this, g -> g.low)
                .tags(t)
                .description("lower bound of the CMR's 90% interval")
                .register(registry));
        estimateMeters.add(
            Gauge.builder("cmrwatch.cmr.estimate.high", this, g -> g.high)
                .tags(t)
                .description("upper bound of the CMR's 90% interval")
                .register(registry));
      } else if (!ok && !estimateMeters.isEmpty()) {
        estimateMeters.forEach(registry::remove);
        estimateMeters.clear();
      }
    }

    synchronized void remove() {
      always.forEach(registry::remove);
      estimateMeters.forEach(registry::remove);
      statusGauges.values().forEach(registry::remove);
    }
  }

  /** Per-run gauges (contract names {@code cmrwatch.run.*}). Values are NaN (a gap) until known. */
  public static final class RunGauges {
    private final MeterRegistry registry;
    private final Tags tags;
    private final List<Meter> meters = new ArrayList<>();
    private final Map<String, Gauge> alertGauges = new ConcurrentHashMap<>();
    private final Map<String, Boolean> alertsActive = new ConcurrentHashMap<>();
    private volatile double generalIncrease = Double.NaN;
    private volatile double domainDecrease = Double.NaN;
    private volatile double predictedGeneralIncrease = Double.NaN;
    private volatile double predictedDomainDecrease = Double.NaN;
    private volatile double epsilon = Double.NaN;
    private volatile double ratio = Double.NaN;
    private volatile double t0Tokens = Double.NaN;
    private volatile double budgetTokens = Double.NaN;
    private volatile double feasible = Double.NaN;
    private volatile double feasibleProbability = Double.NaN;
    private volatile double turnOverProbability = Double.NaN;
    private volatile double tokens = Double.NaN;
    private volatile long lastEventWallMillis = -1;

    RunGauges(MeterRegistry registry, String experiment, String run) {
      this.registry = registry;
      this.tags = Tags.of("experiment", experiment, "run", run);
      gauge(
          "cmrwatch.run.general.loss.increase",
          g -> g.generalIncrease,
          "observed Lgen(T) - Lgen(0), latest");
      gauge(
          "cmrwatch.run.domain.loss.decrease",
          g -> g.domainDecrease,
          "observed Ldom(0) - Ldom(T), latest");
      gauge(
          "cmrwatch.run.predicted.general.loss.increase",
          g -> g.predictedGeneralIncrease,
          "fitted dGen at the budget");
      gauge(
          "cmrwatch.run.predicted.domain.loss.decrease",
          g -> g.predictedDomainDecrease,
          "fitted -dDom at the budget");
      gauge("cmrwatch.run.epsilon", g -> g.epsilon, "tolerance on the general-loss increase");
      gauge("cmrwatch.run.ratio", g -> g.ratio, "the run's domain share");
      gauge("cmrwatch.run.t0.tokens", g -> g.t0Tokens, "critical token point T0");
      gauge("cmrwatch.run.budget.tokens", g -> g.budgetTokens, "token budget");
      gauge(
          "cmrwatch.run.feasible",
          g -> g.feasible,
          "1 when the run's ratio is feasible at the budget");
      gauge(
          "cmrwatch.run.feasible.probability",
          g -> g.feasibleProbability,
          "the estimator's probability that the run is feasible at the budget");
      gauge(
          "cmrwatch.run.turn.over.probability",
          g -> g.turnOverProbability,
          "the estimator's probability that the run's objective turns over by the budget");
      gauge("cmrwatch.run.tokens", g -> g.tokens, "latest tokens seen");
      gauge(
          "cmrwatch.run.seconds.since.last.event",
          RunGauges::secondsSinceLastEvent,
          "wall-clock seconds since the run's last event");
    }

    private void gauge(
        String name, java.util.function.ToDoubleFunction<RunGauges> f, String description) {
      meters.add(
          Gauge.builder(name, this, f).tags(tags).description(description).register(registry));
    }

    private double secondsSinceLastEvent() {
      long last = lastEventWallMillis;
      return last < 0 ? Double.NaN : (System.currentTimeMillis() - last) / 1000.0;
    }

    /** The latest observation of the run. */
    public void observed(
        double ratio,
        long tokens,
        double generalIncrease,
        double domainDecrease,
        long lastEventWallMillis) {
      this.ratio = ratio;
      this.tokens = tokens;
      this.generalIncrease = generalIncrease;
      this.domainDecrease = domainDecrease;
      this.lastEventWallMillis = lastEventWallMillis;
    }

    /** The latest fit of the run (NaN for what is not known). */
    public void fitted(
        double epsilon,
        double budgetTokens,
        double t0Tokens,
        double feasible,
        double feasibleProbability,
        double turnOverProbability,
        double predictedGeneralIncrease,
        double predictedDomainDecrease) {
      this.feasibleProbability = feasibleProbability;
      this.turnOverProbability = turnOverProbability;
      this.epsilon = epsilon;
      this.budgetTokens = budgetTokens;
      this.t0Tokens = t0Tokens;
      this.feasible = feasible;
      this.predictedGeneralIncrease = predictedGeneralIncrease;
      this.predictedDomainDecrease = predictedDomainDecrease;
    }

    /** Whether alert {@code kind} is active for the run. */
    public void alert(String kind, boolean active) {
      alertsActive.put(kind, active);
      alertGauges.computeIfAbsent(
          kind,
          k ->
              Gauge.builder(
                      "cmrwatch.run.alert.active",
                      this,
                      g -> Boolean.TRUE.equals(g.alertsActive.get(k)) ? 1.0 : 0.0)
                  .tags(tags.and("kind", k))
                  .description("1 while the alert is firing")
                  .register(registry));
    }

    synchronized void remove() {
      meters.forEach(registry::remove);
      alertGauges.values().forEach(registry::remove);
    }
  }
}
