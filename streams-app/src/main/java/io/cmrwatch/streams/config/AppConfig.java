package io.cmrwatch.streams.config;

import io.cmrwatch.http.HttpLimits;
import io.cmrwatch.kafka.topic.TopicNames;
import io.cmrwatch.kafka.topic.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The streams app's resolved configuration: every {@link ConfigKey} has a value (validated when
 * read), plus the raw Kafka Streams settings passed through under {@code cmrwatch.kafka.*}.
 * Immutable; build with {@link ConfigLoader} or {@link #of(Map)}.
 */
public final class AppConfig {

  /**
   * Settings of earlier versions that no longer exist, with what became of them (a config file kept
   * from an earlier version fails with this instead of "unknown setting").
   */
  static final Map<String, String> REMOVED =
      Map.of(
          "cmrwatch.refit.min-interval-ms",
          "was removed with the one-stage topology: runs are fitted in their experiment's"
              + " analysis (see cmrwatch.estimate.min-interval-ms; cmrwatch.run-fit.min-interval-ms"
              + " paces cpt.run-fits)",
          "cmrwatch.refit.max-events",
          "was removed with the one-stage topology: one analysis covers every event since the last",
          "cmrwatch.refit.max-busy",
          "was removed with the one-stage topology: see cmrwatch.estimate.backlog-share",
          "cmrwatch.refit.fresh-input-ms",
          "was removed with the one-stage topology: see cmrwatch.estimate.behind-after-ms",
          "cmrwatch.estimate.law-interval-ms",
          "was removed: the CMR law is part of every analysis");

  private final Map<ConfigKey, String> values;
  private final Map<String, String> kafka;

  private AppConfig(Map<ConfigKey, String> values, Map<String, String> kafka) {
    this.values = Collections.unmodifiableMap(new EnumMap<>(values));
    this.kafka = Collections.unmodifiableMap(new LinkedHashMap<>(kafka));
    for (ConfigKey k : ConfigKey.values()) {
      if (this.values.get(k) == null) {
        throw new ConfigException(
            "missing required setting "
                + k.key()
                + " ("
                + k.doc()
                + "); set it in the config file or as "
                + k.envName());
      }
    }
    validate();
  }

  /**
   * Resolves {@code settings} (dotted {@code cmrwatch.*} keys) over the defaults, rejecting unknown
   * keys; tests and the loader use it.
   */
  public static AppConfig of(Map<String, String> settings) {
    Map<ConfigKey, String> values = new EnumMap<>(ConfigKey.class);
    for (ConfigKey k : ConfigKey.values()) {
      if (k.defaultValue() != null) {
        values.put(k, k.defaultValue());
      }
    }
    Map<String, String> kafka = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : settings.entrySet()) {
      String key = e.getKey();
      if (key.startsWith(ConfigKey.KAFKA_PASSTHROUGH_PREFIX)) {
        kafka.put(key.substring(ConfigKey.KAFKA_PASSTHROUGH_PREFIX.length()), e.getValue());
        continue;
      }
      ConfigKey k = ConfigKey.byKey(key);
      if (k == null && REMOVED.containsKey(key)) {
        throw new ConfigException(key + " " + REMOVED.get(key) + "; remove it from the settings");
      }
      if (k == null) {
        throw new ConfigException("unknown setting " + key + ": " + suggestion(key));
      }
      values.put(k, e.getValue() == null ? null : e.getValue().trim());
    }
    return new AppConfig(values, kafka);
  }

  /** A copy with {@code overrides} (dotted keys) applied on top, e.g. from command-line options. */
  public AppConfig with(Map<String, String> overrides) {
    Map<String, String> all = new LinkedHashMap<>(asMap());
    all.putAll(overrides);
    return of(all);
  }

  /** A copy with one key set. */
  public AppConfig with(ConfigKey key, Object value) {
    return with(Map.of(key.key(), String.valueOf(value)));
  }

  /** Every setting as dotted keys, Kafka pass-through settings included. */
  public Map<String, String> asMap() {
    Map<String, String> m = new LinkedHashMap<>();
    values.forEach((k, v) -> m.put(k.key(), v));
    kafka.forEach((k, v) -> m.put(ConfigKey.KAFKA_PASSTHROUGH_PREFIX + k, v));
    return m;
  }

  /** The raw value of {@code key}. */
  public String get(ConfigKey key) {
    return values.get(key);
  }

  /** Kafka Streams settings given under {@code cmrwatch.kafka.*}, prefix removed. */
  public Map<String, String> kafkaOverrides() {
    return kafka;
  }

  public String bootstrap() {
    return get(ConfigKey.BOOTSTRAP);
  }

  public String applicationId() {
    return get(ConfigKey.APPLICATION_ID);
  }

  public TopicNames topicNames() {
    return TopicNames.withPrefix(get(ConfigKey.TOPIC_PREFIX));
  }

  /** Every topic under {@code cmrwatch.topic-prefix}, with its key and value serdes. */
  public Topics topics() {
    return new Topics(topicNames());
  }

  public boolean createTopics() {
    return bool(ConfigKey.TOPICS_CREATE);
  }

  public int partitions() {
    return intValue(ConfigKey.TOPICS_PARTITIONS, 1, 10_000);
  }

  public short replication() {
    return (short) intValue(ConfigKey.TOPICS_REPLICATION, 1, 32);
  }

  public Path stateDir() {
    String s = get(ConfigKey.STATE_DIR);
    return s.isEmpty()
        ? Path.of(System.getProperty("java.io.tmpdir"), "cmrwatch-streams")
        : Path.of(s);
  }

  public int threads() {
    return intValue(ConfigKey.THREADS, 1, 64);
  }

  public String processingGuarantee() {
    return get(ConfigKey.PROCESSING_GUARANTEE);
  }

  public long commitIntervalMs() {
    return longValue(ConfigKey.COMMIT_INTERVAL_MS, 1, 3_600_000);
  }

  public long cacheMaxBytes() {
    return longValue(ConfigKey.CACHE_MAX_BYTES, 0, Long.MAX_VALUE);
  }

  /**
   * Heap bytes for the experiments kept deserialised between events ({@code
   * cmrwatch.cache.decoded-bytes}; 0 means half the JVM's maximum heap).
   */
  public long decodedCacheBytes() {
    long v = longValue(ConfigKey.CACHE_DECODED_BYTES, 0, Long.MAX_VALUE);
    return v > 0 ? v : Math.max(1L << 20, Runtime.getRuntime().maxMemory() / 2);
  }

  /** Off-heap bytes for all RocksDB stores together. */
  public long rocksDbMemoryBytes() {
    return longValue(ConfigKey.ROCKSDB_MEMORY_BYTES, 1L << 20, Long.MAX_VALUE);
  }

  public String httpHost() {
    return get(ConfigKey.HTTP_HOST);
  }

  public int httpPort() {
    return intValue(ConfigKey.HTTP_PORT, 0, 65_535);
  }

  /** The HTTP server's limits: request threads, idle and request-read timeouts, header limits. */
  public HttpLimits httpLimits() {
    return new HttpLimits(
        Duration.ofMillis(longValue(ConfigKey.HTTP_IDLE_TIMEOUT_MS, 1, 86_400_000)),
        Duration.ofMillis(longValue(ConfigKey.HTTP_READ_TIMEOUT_MS, 1, 86_400_000)),
        intValue(ConfigKey.HTTP_MAX_HEADER_BYTES, 1024, 1 << 20),
        intValue(ConfigKey.HTTP_MAX_HEADERS, 8, 10_000),
        intValue(ConfigKey.HTTP_THREADS, 1, 256));
  }

  /** The host other instances use to reach this one. */
  public String advertisedHost() {
    String s = get(ConfigKey.HTTP_ADVERTISED_HOST);
    return s.isEmpty() ? httpHost() : s;
  }

  public double defaultEpsilon() {
    return doubleValue(ConfigKey.DEFAULT_EPSILON, Double.MIN_VALUE, Double.MAX_VALUE);
  }

  public double defaultLambda() {
    return doubleValue(ConfigKey.DEFAULT_LAMBDA, Double.MIN_VALUE, Double.MAX_VALUE);
  }

  public double defaultTokenUnit() {
    return doubleValue(ConfigKey.DEFAULT_TOKEN_UNIT, 1, Double.MAX_VALUE);
  }

  /** The default budget in tokens, or 0 when there is none. */
  public long defaultBudgetTokens() {
    return (long) doubleValue(ConfigKey.DEFAULT_BUDGET_TOKENS, 0, 9.0e18);
  }

  /** An experiment is analysed at most once per this interval. */
  public Duration estimateMinInterval() {
    return Duration.ofMillis(longValue(ConfigKey.ESTIMATE_MIN_INTERVAL_MS, 0, 86_400_000));
  }

  /** An experiment quiet for this long is analysed once cold. */
  public Duration estimateSettleAfter() {
    return Duration.ofMillis(longValue(ConfigKey.ESTIMATE_SETTLE_AFTER_MS, 0, 86_400_000));
  }

  public double estimateMinChange() {
    return doubleValue(ConfigKey.ESTIMATE_MIN_CHANGE, 0, 1);
  }

  /** A task's input is behind while its events wait longer than this. */
  public Duration estimateBehindAfter() {
    return Duration.ofMillis(longValue(ConfigKey.ESTIMATE_BEHIND_AFTER_MS, 0, 3_600_000));
  }

  /** The share of a stream thread analyses may take while the input is behind. */
  public double estimateBacklogShare() {
    return doubleValue(ConfigKey.ESTIMATE_BACKLOG_SHARE, 0.01, 1);
  }

  /** A run's fit with new events is published at most once per this interval. */
  public Duration runFitMinInterval() {
    return Duration.ofMillis(longValue(ConfigKey.RUN_FIT_MIN_INTERVAL_MS, 0, 86_400_000));
  }

  public Duration punctuateInterval() {
    return Duration.ofMillis(longValue(ConfigKey.PUNCTUATE_INTERVAL_MS, 1, 3_600_000));
  }

  public Duration stallAfter() {
    return Duration.ofMillis(longValue(ConfigKey.STALL_AFTER_MS, 1, Long.MAX_VALUE / 2));
  }

  public Duration stallCheckInterval() {
    return Duration.ofMillis(longValue(ConfigKey.STALL_CHECK_INTERVAL_MS, 1, 86_400_000));
  }

  public double spikeSigma() {
    return doubleValue(ConfigKey.SPIKE_SIGMA, 1, 1_000);
  }

  public int spikeMinPoints() {
    return intValue(ConfigKey.SPIKE_MIN_POINTS, 3, 10_000);
  }

  public int historySize() {
    return intValue(ConfigKey.HISTORY_SIZE, 1, 100_000);
  }

  public int metricsMaxRuns() {
    return intValue(ConfigKey.METRICS_MAX_RUNS, 0, 1_000_000);
  }

  private void validate() {
    // Read every typed value once so that a bad one fails at start-up with its key's name, not at
    // first use.
    topicNames();
    createTopics();
    partitions();
    replication();
    threads();
    commitIntervalMs();
    cacheMaxBytes();
    decodedCacheBytes();
    httpPort();
    httpLimits();
    defaultEpsilon();
    defaultLambda();
    defaultTokenUnit();
    defaultBudgetTokens();
    estimateMinInterval();
    estimateSettleAfter();
    estimateMinChange();
    estimateBehindAfter();
    estimateBacklogShare();
    runFitMinInterval();
    punctuateInterval();
    stallAfter();
    stallCheckInterval();
    spikeSigma();
    spikeMinPoints();
    historySize();
    metricsMaxRuns();
    String pg = processingGuarantee();
    if (!pg.equals("exactly_once_v2") && !pg.equals("at_least_once")) {
      throw new ConfigException(
          ConfigKey.PROCESSING_GUARANTEE.key()
              + " must be exactly_once_v2 or at_least_once, got \""
              + pg
              + "\"");
    }
    if (bootstrap().isBlank()) {
      throw new ConfigException(
          "missing required setting "
              + ConfigKey.BOOTSTRAP.key()
              + ": pass --bootstrap HOST:PORT (start a broker with "
              + "`cmrwatch broker`)");
    }
  }

  private boolean bool(ConfigKey k) {
    String s = get(k);
    if (s.equalsIgnoreCase("true")) {
      return true;
    }
    if (s.equalsIgnoreCase("false")) {
      return false;
    }
    throw new ConfigException(k.key() + " must be true or false, got \"" + s + "\"");
  }

  private int intValue(ConfigKey k, int min, int max) {
    return (int) longValue(k, min, max);
  }

  private long longValue(ConfigKey k, long min, long max) {
    String s = get(k);
    long v;
    try {
      v = Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new ConfigException(k.key() + " must be a whole number, got \"" + s + "\"");
    }
    if (v < min || v > max) {
      throw new ConfigException(k.key() + " must be in [" + min + ", " + max + "], got " + v);
    }
    return v;
  }

  private double doubleValue(ConfigKey k, double min, double max) {
    String s = get(k);
    double v;
    try {
      v = Double.parseDouble(s);
    } catch (NumberFormatException e) {
      throw new ConfigException(k.key() + " must be a number, got \"" + s + "\"");
    }
    if (!(v >= min && v <= max)) {
      throw new ConfigException(k.key() + " must be in [" + min + ", " + max + "], got " + s);
    }
    return v;
  }

  private static String suggestion(String key) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (ConfigKey k : ConfigKey.values()) {
      int d = distance(key, k.key());
      if (d < bestDistance) {
        bestDistance = d;
        best = k.key();
      }
    }
    return bestDistance <= 4
        ? "did you mean "
            + best
            + "? (Kafka Streams settings go under "
            + ConfigKey.KAFKA_PASSTHROUGH_PREFIX
            + ")"
        : "not a setting of the streams app; see the config table in docs/operations.md (Kafka Streams settings go under "
            + ConfigKey.KAFKA_PASSTHROUGH_PREFIX
            + ")";
  }

  // Levenshtein distance, for "did you mean".
  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AppConfig c && c.values.equals(values) && c.kafka.equals(kafka);
  }

  @Override
  public int hashCode() {
    return Objects.hash(values, kafka);
  }

  @Override
  public String toString() {
    return asMap().toString();
  }
}
