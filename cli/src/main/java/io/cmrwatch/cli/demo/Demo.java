package io.cmrwatch.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.cmrwatch.broker.EmbeddedKafkaBroker;
import io.cmrwatch.broker.PortInUseException;
import io.cmrwatch.ingest.http.IngestService;
import io.cmrwatch.ingest.http.IngestSettings;
import io.cmrwatch.kafka.topic.Topics;
import io.cmrwatch.streams.StreamsApp;
import io.cmrwatch.streams.config.AppConfig;
import java.io.IOException;
import java.net.BindException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Date;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole of cmrwatch in one process: the embedded broker, the streams app with its HTTP API and
 * page, the ingest service, a follower of the estimate topic, and a {@link Workload} producing loss
 * events. Each part is started through its module's public entry point; this class only wires them
 * and reports where they listen.
 */
public final class Demo implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Demo.class);

  /**
   * Default ports, tried first; when one is taken and was not asked for explicitly, any free port
   * is used.
   */
  public static final int DEFAULT_BROKER_PORT = 9092;

  public static final int DEFAULT_HTTP_PORT = 8080;
  public static final int DEFAULT_INGEST_PORT = 8090;

  /** Port value meaning "the default, or any free port if it is taken". */
  public static final int DEFAULT_OR_FREE = -1;

  /** The streams app's application id (and consumer group) in the demo. */
  static final String APPLICATION_ID = "cmrwatch-demo-v2";

  /** The longest the summary waits for the streams app to work through its backlog. */
  static final Duration CATCH_UP_LIMIT = Duration.ofMinutes(5);

  /**
   * Where and how the demo runs.
   *
   * @param dataDir broker data, streams state and the ingest token file live here
   * @param brokerPort broker port ({@link #DEFAULT_OR_FREE}, 0 = any free port)
   * @param httpPort the streams app's HTTP port (page, API, metrics)
   * @param ingestPort the ingest API's port
   * @param limit the run stops (and summarises) after this long
   * @param estimateLineInterval at most one estimate line per experiment this often
   */
  public record Settings(
      Path dataDir,
      int brokerPort,
      int httpPort,
      int ingestPort,
      Duration limit,
      Duration estimateLineInterval) {}

  private final Settings settings;
  private final Workload workload;
  private final Consumer<String> out;
  private final Deque<AutoCloseable> open = new ArrayDeque<>();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Instant started = Instant.now();
  private volatile Thread runner;
  private EmbeddedKafkaBroker broker;
  private StreamsApp streams;
  private IngestService ingest;
  private EstimateWatcher watcher;
  private Path tokensFile;

  private Demo(Settings settings, Workload workload, Consumer<String> out) {
    this.settings = settings;
    this.workload = workload;
    this.out = out;
  }

  /** Starts every part and prints where each listens; the workload starts with {@link #run()}. */
  public static Demo start(Settings settings, Workload workload, Consumer<String> out)
      throws Exception {
    Demo d = new Demo(settings, workload, out);
    try {
      d.startParts();
    } catch (Exception | Error e) {
      d.close();
      throw e;
    }
    return d;
  }

  private void startParts() throws Exception {
    Files.createDirectories(settings.dataDir());
    out.accept("cmrwatch demo: " + workload.describe());
    out.accept("  data dir  " + settings.dataDir());

    broker =
        withFallback(
            settings.brokerPort(),
            DEFAULT_BROKER_PORT,
            "broker",
            port ->
                EmbeddedKafkaBroker.builder()
                    .port(port)
                    .dataDir(settings.dataDir().resolve("kafka"))
                    .startTimeout(Duration.ofSeconds(90))
                    .build()
                    .start());
    open.push(broker);

    Map<String, String> config = new HashMap<>(workload.streamsSettings());
    config.put("cmrwatch.bootstrap", broker.bootstrapServers());
    config.put("cmrwatch.application-id", APPLICATION_ID);
    config.put("cmrwatch.state-dir", settings.dataDir().resolve("streams").toString());
    // One broker on a laptop: few partitions keep exactly-once commits cheap.
    config.put("cmrwatch.topics.partitions", "2");
    streams =
        withFallback(
            settings.httpPort(),
            DEFAULT_HTTP_PORT,
            "page",
            port -> {
              config.put("cmrwatch.http.port", Integer.toString(port));
              return StreamsApp.start(AppConfig.of(config));
            });
    open.push(streams);
    if (!streams.awaitRunning(Duration.ofSeconds(90))) {
      throw new IllegalStateException(
          "the streams app did not reach RUNNING within 90 s (state "
              + streams.streams().state()
              + ") — see the log above");
    }

    tokensFile = writeTokenFile(settings.dataDir().resolve("ingest-tokens.txt"));
    ingest =
        withFallback(
            settings.ingestPort(),
            DEFAULT_INGEST_PORT,
            "ingest",
            port ->
                IngestService.start(
                    IngestSettings.defaults(
                        "127.0.0.1", port, broker.bootstrapServers(), tokensFile)));
    open.push(ingest);

    watcher =
        EstimateWatcher.start(
            broker.bootstrapServers(),
            Topics.defaults().cmrEstimates(),
            out,
            settings.estimateLineInterval());
    open.push(watcher);

    String page = pageUrl();
    out.accept(
        "  broker    "
            + broker.bootstrapServers()
            + "  (topics "
            + String.join(", ", Topics.defaults().allNames())
            + ")");
    out.accept("  page      " + page + "   <- open this in a browser");
    out.accept(
        "  API       "
            + page
            + "experiments   health "
            + page
            + "health   metrics "
            + page
            + "metrics");
    out.accept(
        "  ingest    "
            + ingest.url()
            + "/v1/events  (bearer token in "
            + tokensFile
            + "; metrics "
            + ingest.url()
            + "/metrics)");
    open.push(workload);
    for (String line : workload.openEndpoints()) {
      out.accept("  " + line);
    }
  }

  /**
   * Runs the workload to its end (or the time limit, or {@link #stop()}), then returns the summary.
   */
  public DemoSummary run() throws Exception {
    runner = Thread.currentThread();
    Instant deadline = started.plus(settings.limit());
    boolean interrupted = false;
    String done = null;
    // The time limit interrupts the workload like Ctrl-C does; the summary then shows what there
    // is.
    Timer limit = new Timer("cmrwatch-demo-limit", true);
    limit.schedule(
        new TimerTask() {
          @Override
          public void run() {
            Thread t = runner;
            if (t != null) {
              t.interrupt();
            }
          }
        },
        Date.from(deadline));
    try {
      done = workload.run(broker.bootstrapServers(), deadline, out);
    } catch (InterruptedException e) {
      interrupted = true;
      out.accept(
          Instant.now().isAfter(deadline)
              ? "stopped at the time limit (" + settings.limit().toMinutes() + " min)"
              : "stopped");
    } catch (Exception e) {
      // Whatever the streams app has received still makes a summary; the error says what went
      // wrong.
      LOG.error("the {} failed", workload.getClass().getSimpleName(), e);
      out.accept("the event source failed: " + e.getMessage());
    } finally {
      limit.cancel();
    }
    if (done != null) {
      out.accept(done);
    }
    if (!interrupted) {
      try {
        awaitCaughtUp(CATCH_UP_LIMIT);
      } catch (InterruptedException e) {
        out.accept("stopped");
      }
    }
    // The stop request (Ctrl-C) may have interrupted us; the summary still gets a moment to read
    // the API.
    Thread.interrupted();
    return summary();
  }

  /** Keeps everything up until {@link #stop()} (Ctrl-C), so the page can still be looked at. */
  public void serveUntilStopped() throws InterruptedException {
    stopped.await();
  }

  /**
   * Asks a running demo to stop: interrupts the workload and releases {@link #serveUntilStopped()}.
   */
  public void stop() {
    stopped.countDown();
    Thread t = runner;
    if (t != null) {
      t.interrupt();
    }
  }

  /** The page's URL, {@code http://127.0.0.1:PORT/}. */
  public String pageUrl() {
    return streams.url() + "/";
  }

  /** The broker's bootstrap address. */
  public String bootstrap() {
    return broker.bootstrapServers();
  }

  /** The ingest API's base URL. */
  public String ingestUrl() {
    return ingest.url();
  }

  /** How many estimates have been read from the estimate topic. */
  public long estimatesSeen() {
    return watcher.estimates();
  }

  // The streams app works through its backlog after the last event (on a busy machine that can take
  // a while): wait
  // until its consumer group has committed every input and repartition record, then until its
  // answers stop changing.
  private void awaitCaughtUp(Duration max) throws Exception {
    long end = System.nanoTime() + max.toNanos();
    long lastReport = System.nanoTime();
    try (Admin admin =
        Admin.create(
            Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
      while (System.nanoTime() < end) {
        long lag = lag(admin);
        if (lag == 0) {
          break;
        }
        if (System.nanoTime() - lastReport > 10_000_000_000L) {
          out.accept("waiting for the streams app to catch up: " + lag + " records to go");
          lastReport = System.nanoTime();
        }
        Thread.sleep(500);
      }
    }
    awaitQuiet(Duration.ofSeconds(3), Duration.ofNanos(Math.max(0, end - System.nanoTime())));
  }

  private long lag(Admin admin) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin
            .listConsumerGroupOffsets(APPLICATION_ID)
            .partitionsToOffsetAndMetadata()
            .get(10, TimeUnit.SECONDS);
    Set<TopicPartition> partitions = new HashSet<>(committed.keySet());
    String input = Topics.defaults().lossEvents().name();
    admin
        .describeTopics(List.of(input))
        .allTopicNames()
        .get(10, TimeUnit.SECONDS)
        .get(input)
        .partitions()
        .forEach(p -> partitions.add(new TopicPartition(input, p.partition())));
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
    Map<TopicPartition, ListOffsetsResultInfo> ends =
        admin
            .listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
            .all()
            .get(10, TimeUnit.SECONDS);
    long lag = 0;
    for (TopicPartition tp : partitions) {
      OffsetAndMetadata c = committed.get(tp);
      lag += Math.max(0, ends.get(tp).offset() - (c == null ? 0 : c.offset()));
    }
    return lag;
  }

  // Until the experiment's answers (history, events per run, fits) have not changed for `quiet`.
  private void awaitQuiet(Duration quiet, Duration max) throws IOException, InterruptedException {
    StreamsApi api = new StreamsApi(URI.create(pageUrl()));
    long end = System.nanoTime() + max.toNanos();
    String last = null;
    long since = System.nanoTime();
    while (System.nanoTime() < end) {
      String now = fingerprint(api);
      if (!now.equals(last)) {
        last = now;
        since = System.nanoTime();
      } else if (System.nanoTime() - since >= quiet.toNanos()) {
        return;
      }
      Thread.sleep(500);
    }
  }

  private String fingerprint(StreamsApi api) throws IOException, InterruptedException {
    JsonNode exp = api.experiment(workload.experiment()).orElse(null);
    if (exp == null) {
      return "none";
    }
    long events = 0;
    for (JsonNode id : exp.path("runs")) {
      JsonNode run = api.run(id.asText()).orElse(null);
      if (run != null) {
        for (JsonNode p : run.path("points")) {
          events += p.path("count").asLong();
        }
        events += run.path("fit").isObject() ? 1L << 40 : 0;
      }
    }
    return exp.path("history").size() + "/" + events + "/" + watcher.estimates();
  }

  private DemoSummary summary() throws IOException, InterruptedException {
    StreamsApi api = new StreamsApi(URI.create(pageUrl()));
    JsonNode exp = api.experiment(workload.experiment()).orElse(null);
    if (exp == null) {
      return new DemoSummary(
          workload.experiment(),
          "no_events",
          Double.NaN,
          Double.NaN,
          Double.NaN,
          0,
          List.of(),
          pageUrl(),
          Duration.between(started, Instant.now()));
    }
    List<JsonNode> runs = new ArrayList<>();
    for (JsonNode id : exp.path("runs")) {
      api.run(id.asText()).ifPresent(runs::add);
    }
    return DemoSummary.from(
        workload.experiment(), exp, runs, pageUrl(), Duration.between(started, Instant.now()));
  }

  /** A starter of one part on a port. */
  @FunctionalInterface
  private interface OnPort<T> {
    T start(int port) throws Exception;
  }

  // The default port may be taken on a developer's machine; the demo then takes a free one and says
  // so.
  private <T> T withFallback(int requested, int defaultPort, String what, OnPort<T> starter)
      throws Exception {
    if (requested != DEFAULT_OR_FREE) {
      return starter.start(requested);
    }
    try {
      return starter.start(defaultPort);
    } catch (Exception e) {
      if (!isPortTaken(e)) {
        throw e;
      }
      out.accept("  (port " + defaultPort + " for the " + what + " is taken; using a free one)");
      return starter.start(0);
    }
  }

  private static boolean isPortTaken(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof PortInUseException
          || t instanceof BindException
          || (t.getMessage() != null && t.getMessage().contains("cannot listen on"))) {
        return true;
      }
    }
    return false;
  }

  // A fresh random bearer token for this demo's ingest API, readable only by the owner where the
  // file system allows.
  private static Path writeTokenFile(Path file) throws IOException {
    byte[] bytes = new byte[24];
    new SecureRandom().nextBytes(bytes);
    String token = HexFormat.of().formatHex(bytes);
    Files.writeString(
        file,
        "# bearer token of the demo's ingest API (any experiment)\n" + token + "\n",
        StandardCharsets.UTF_8);
    try {
      Files.setPosixFilePermissions(
          file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: the file keeps its default permissions.
    }
    return file;
  }

  /** Stops every part, newest first. */
  @Override
  public void close() {
    stopped.countDown();
    if (!open.isEmpty()) {
      out.accept("stopping: trainer/simulator, ingest, streams app, broker ...");
    }
    while (!open.isEmpty()) {
      AutoCloseable c = open.pop();
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("closing {} failed: {}", c.getClass().getSimpleName(), e.toString());
      }
    }
  }
}
