package io.cmrwatch.streams.config;

import java.util.Locale;

/**
 * Every {@code cmrwatch.*} setting of the streams app, with its default and its reason. The table
 * of config keys in docs/operations.md is this enum. A key with a {@code null} default is required.
 */
public enum ConfigKey {
  BOOTSTRAP(
      "cmrwatch.bootstrap",
      null,
      "Kafka bootstrap servers (host:port[,...]); `--bootstrap` sets it"),
  APPLICATION_ID(
      "cmrwatch.application-id",
      "cmrwatch-streams-v2",
      "Kafka Streams application id; instances with the same id share the work"),
  TOPIC_PREFIX("cmrwatch.topic-prefix", "", "prefix of every topic name (e.g. `team-a.`)"),
  TOPICS_CREATE("cmrwatch.topics.create", "true", "create missing topics at start-up"),
  TOPICS_PARTITIONS("cmrwatch.topics.partitions", "6", "partitions of topics created at start-up"),
  TOPICS_REPLICATION(
      "cmrwatch.topics.replication", "1", "replication factor of topics created at start-up"),
  STATE_DIR(
      "cmrwatch.state-dir", "", "Kafka Streams state directory (empty: `<tmp>/cmrwatch-streams`)"),
  THREADS("cmrwatch.threads", "1", "stream threads of this instance"),
  PROCESSING_GUARANTEE(
      "cmrwatch.processing-guarantee", "exactly_once_v2", "`exactly_once_v2` or `at_least_once`"),
  COMMIT_INTERVAL_MS(
      "cmrwatch.commit-interval-ms",
      "100",
      "commit (and, with exactly-once, output visibility) interval"),
  CACHE_MAX_BYTES(
      "cmrwatch.cache-max-bytes",
      "16777216",
      "record cache for the state stores (bytes): repeated writes of a run between commits reach the changelog once"),
  CACHE_DECODED_BYTES(
      "cmrwatch.cache.decoded-bytes",
      "0",
      "heap for the experiments (their runs' states and latest analysis) kept deserialised between events, "
          + "shared by all tasks of the instance (0: half the JVM's maximum heap); beyond it the least recently "
          + "used are read back from the stores"),
  ROCKSDB_MEMORY_BYTES(
      "cmrwatch.rocksdb.memory-bytes",
      "67108864",
      "off-heap memory of all RocksDB stores together (block cache and memtables, shared by every store instance)"),
  HTTP_HOST("cmrwatch.http.host", "127.0.0.1", "address the HTTP server binds"),
  HTTP_PORT("cmrwatch.http.port", "8080", "HTTP port (0 = any free port)"),
  HTTP_ADVERTISED_HOST(
      "cmrwatch.http.advertised-host",
      "",
      "host other instances use to reach this one (empty: the bind address)"),
  HTTP_THREADS(
      "cmrwatch.http.threads",
      "8",
      "HTTP requests handled at once (an idle or slow client holds none: connections are read without blocking)"),
  HTTP_IDLE_TIMEOUT_MS(
      "cmrwatch.http.idle-timeout-ms", "30000", "an HTTP connection silent this long is closed"),
  HTTP_READ_TIMEOUT_MS(
      "cmrwatch.http.read-timeout-ms",
      "30000",
      "a request body must arrive in full within this long of its headers, else 408"),
  HTTP_MAX_HEADER_BYTES(
      "cmrwatch.http.max-header-bytes",
      "16384",
      "largest request line and headers together; larger gets 431"),
  HTTP_MAX_HEADERS(
      "cmrwatch.http.max-headers", "100", "most header fields per request; more gets 431"),
  DEFAULT_EPSILON("cmrwatch.defaults.epsilon", "0.05", "tolerance ε on the general-loss increase"),
  DEFAULT_LAMBDA("cmrwatch.defaults.lambda", "1000", "weight λ of the general loss in F(T)"),
  DEFAULT_TOKEN_UNIT(
      "cmrwatch.defaults.token-unit", "2e8", "token unit of the fits (the paper's 0.2 B tokens)"),
  DEFAULT_BUDGET_TOKENS(
      "cmrwatch.defaults.budget-tokens",
      "0",
      "token budget when neither events nor `cpt.experiments` give one (0: none)"),
  ESTIMATE_MIN_INTERVAL_MS(
      "cmrwatch.estimate.min-interval-ms",
      "100",
      "an experiment is analysed at most once per this interval; the events that arrive meanwhile "
          + "go into its next analysis"),
  ESTIMATE_SETTLE_AFTER_MS(
      "cmrwatch.estimate.settle-after-ms",
      "10000",
      "once an experiment has had no event for this long, it is analysed once cold (path-independent) "
          + "and whatever differs from what was published is published"),
  ESTIMATE_MIN_CHANGE(
      "cmrwatch.estimate.min-change",
      "0.001",
      "an estimate is published when the CMR or a bound moves by more than this (or status/runs change)"),
  ESTIMATE_BEHIND_AFTER_MS(
      "cmrwatch.estimate.behind-after-ms",
      "500",
      "a task's input is behind while its events wait longer than this (record timestamp to "
          + "processing); analyses then take at most the backlog share of the thread"),
  ESTIMATE_BACKLOG_SHARE(
      "cmrwatch.estimate.backlog-share",
      "0.1",
      "share of a stream thread that analyses may take while the input is behind (1 = no limit)"),
  RUN_FIT_MIN_INTERVAL_MS(
      "cmrwatch.run-fit.min-interval-ms",
      "1000",
      "a run's fit with new events is published at most once per this interval (a change of status "
          + "or feasibility, and the settled fit, at once)"),
  PUNCTUATE_INTERVAL_MS(
      "cmrwatch.punctuate-interval-ms", "25", "how often due analyses are looked for"),
  STALL_AFTER_MS(
      "cmrwatch.alert.stall-after-ms", "600000", "a run with no event for this long is stalled"),
  STALL_CHECK_INTERVAL_MS(
      "cmrwatch.alert.stall-check-interval-ms", "10000", "how often stalls are looked for"),
  SPIKE_SIGMA(
      "cmrwatch.alert.spike-sigma",
      "6",
      "a loss more than this many noise deviations from the run's recent trend is a spike"),
  SPIKE_MIN_POINTS(
      "cmrwatch.alert.spike-min-points", "8", "recent points needed before spikes are judged"),
  HISTORY_SIZE(
      "cmrwatch.history.size", "500", "estimates kept per experiment for `GET /experiments/{id}`"),
  METRICS_MAX_RUNS(
      "cmrwatch.metrics.max-runs", "500", "at most this many runs get per-run metric series");

  /** Keys under this prefix are handed to Kafka Streams verbatim (without the prefix). */
  public static final String KAFKA_PASSTHROUGH_PREFIX = "cmrwatch.kafka.";

  private final String key;
  private final String defaultValue;
  private final String doc;

  ConfigKey(String key, String defaultValue, String doc) {
    this.key = key;
    this.defaultValue = defaultValue;
    this.doc = doc;
  }

  /** The dotted key, e.g. {@code cmrwatch.http.port}. */
  public String key() {
    return key;
  }

  /** The default, or {@code null} when the key is required. */
  public String defaultValue() {
    return defaultValue;
  }

  /** What the key is for. */
  public String doc() {
    return doc;
  }

  /**
   * The environment variable that sets this key: {@code cmrwatch.http.port} → {@code
   * CMRWATCH_HTTP_PORT}.
   */
  public String envName() {
    return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** The key named {@code key}, or {@code null}. */
  public static ConfigKey byKey(String key) {
    for (ConfigKey k : values()) {
      if (k.key.equals(key)) {
        return k;
      }
    }
    return null;
  }
}
