package io.cmrwatch.bench.hardening;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.event.LossEventCodec;
import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import io.cmrwatch.kafka.topic.TopicNames;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The chaos campaign, black-box: a known input (synthetic experiments from known laws, fed over
 * time with some events sent twice) while the streams app is killed with SIGKILL at random moments,
 * its state directory wiped once and the broker restarted once; then an undisturbed app (its own
 * application id and state) reads the same topic, and both apps' settled answers are compared:
 * every run's event count, and the experiment's CMR estimate ({@code GET /experiments/{id}}), which
 * must be identical. Only processes, the topic and the HTTP API are touched, so the check holds
 * whatever the app's topology looks like. {@code bench/chaos.sh} runs it with 10+ kills; {@code
 * ChaosCampaignIT} with a few.
 */
public final class Chaos {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param jar {@code cmrwatch.jar}
   * @param work scratch directory
   * @param kills SIGKILLs of the streams app
   * @param seed random seed (kill moments, input)
   * @param experiments synthetic experiments in the input
   * @param feedSeconds how long the input takes to arrive
   */
  public record Options(
      Path jar, Path work, int kills, long seed, int experiments, int feedSeconds) {}

  /** The campaign's figures. */
  public record Report(
      int kills,
      int wipes,
      int brokerRestarts,
      int events,
      int duplicatesSent,
      int experiments,
      int identicalEstimates,
      int identicalRunCounts,
      int runs,
      double maxEstimateDifference,
      Duration elapsed,
      List<String> problems) {

    public boolean ok() {
      return problems.isEmpty();
    }

    public String text() {
      return String.format(
              Locale.ROOT,
              "input: %d experiments, %,d events (%,d of them sent twice) over the kills%n"
                  + "SIGKILLs of the streams app: %d, state wiped: %d, broker restarts: %d%n"
                  + "estimates identical to the undisturbed run's: %d of %d (largest difference %.3g)%n"
                  + "run event counts identical: %d of %d%n"
                  + "elapsed: %d s%n",
              experiments,
              events,
              duplicatesSent,
              kills,
              wipes,
              brokerRestarts,
              identicalEstimates,
              experiments,
              maxEstimateDifference,
              identicalRunCounts,
              runs,
              elapsed.toSeconds())
          + (problems.isEmpty()
              ? "RESULT: every check held\n"
              : "RESULT: FAILED\n  " + String.join("\n  ", problems) + "\n");
    }
  }

  private final Options o;
  private final Random random;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Chaos(Options o) {
    this.o = o;
    this.random = new Random(o.seed());
  }

  public static Report run(Options o) throws Exception {
    return new Chaos(o).campaign();
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: Chaos JAR WORKDIR KILLS [SEED] [EXPERIMENTS] [FEED_SECONDS]");
      System.exit(2);
    }
    Report r =
        run(
            new Options(
                Path.of(args[0]),
                Path.of(args[1]),
                Integer.parseInt(args[2]),
                args.length > 3 ? Long.parseLong(args[3]) : 1,
                args.length > 4 ? Integer.parseInt(args[4]) : 3,
                args.length > 5 ? Integer.parseInt(args[5]) : 90));
    System.out.print(r.text());
    System.exit(r.ok() ? 0 : 1);
  }

  private Path config(String appId) throws IOException {
    Path state = o.work().resolve("state-" + appId);
    Path cfg = o.work().resolve(appId + ".properties");
    // min-change 0: every recompute that moves the estimate publishes it, so the API's estimate is
    // the settled one; settle after 3 s without updates (a cold, path-independent recompute).
    Files.writeString(
        cfg,
        "cmrwatch.application-id="
            + appId
            + "\ncmrwatch.state-dir="
            + state
            + "\ncmrwatch.topics.partitions=3\n"
            + "cmrwatch.estimate.settle-after-ms=3000\n"
            + "cmrwatch.estimate.min-change=0\n");
    return cfg;
  }

  private Report campaign() throws Exception {
    long t0 = System.nanoTime();
    Files.createDirectories(o.work());
    List<String> problems = new ArrayList<>();
    List<LossEvent> input = new ArrayList<>();
    Map<String, Map<String, Long>> perRun = new TreeMap<>(); // experiment -> run -> events
    for (int i = 0; i < o.experiments(); i++) {
      SyntheticExperiment x = new SyntheticGenerator().generate(o.seed() * 1000 + i);
      for (LossEvent e : x.events()) {
        LossEvent renamed = e.toBuilder().experiment("chaos-" + o.seed() + "-" + i).build();
        input.add(renamed);
        perRun
            .computeIfAbsent(renamed.experiment(), k -> new TreeMap<>())
            .merge(renamed.run(), 1L, Long::sum);
      }
    }
    // Runs report in turn, as live jobs would: interleave by tokens.
    input.sort(Comparator.comparingLong(LossEvent::tokens).thenComparing(LossEvent::eventId));
    int kills = 0;
    int wipes = 0;
    int brokerRestarts = 0;
    int[] dupSent = {0};
    try (Services sv = new Services(o.jar(), o.work())) {
      String[] bootstrap = new String[1];
      Path kafkaDir = o.work().resolve("kafka");
      AtomicReference<Services.Service> broker =
          new AtomicReference<>(sv.broker(0, kafkaDir, bootstrap));
      int port = Integer.parseInt(bootstrap[0].substring(bootstrap[0].lastIndexOf(':') + 1));
      Path chaosCfg = config("cmrwatch-chaos");
      String[] url = new String[1];
      Services.Service app = sv.streams(bootstrap[0], chaosCfg, url);
      awaitStatus(url[0] + "/health", 200, Duration.ofMinutes(3));

      Thread feeder =
          new Thread(
              () -> {
                try {
                  feed(bootstrap[0], input, dupSent);
                } catch (Exception e) {
                  problems.add("the feeder failed: " + e);
                }
              },
              "chaos-feeder");
      feeder.start();
      long feedEnd = System.nanoTime() + Duration.ofSeconds(o.feedSeconds()).toNanos();
      int wipeAt = Math.max(1, o.kills() / 2);
      int brokerAt = Math.max(1, o.kills() / 3);
      for (int k = 1; k <= o.kills(); k++) {
        // Random moments spread over the feed (and a little after it).
        long left = Math.max(1_000, (feedEnd - System.nanoTime()) / 1_000_000);
        Thread.sleep(
            500 + (long) (random.nextDouble() * Math.min(8_000, 2.0 * left / (o.kills() - k + 1))));
        app.kill();
        kills++;
        if (k == wipeAt) {
          deleteTree(o.work().resolve("state-cmrwatch-chaos"));
          wipes++;
        }
        if (k == brokerAt) {
          broker.get().process.destroy(); // a clean broker stop and start, same port and data
          broker.get().process.waitFor();
          broker.set(restartBroker(sv, port, kafkaDir));
          brokerRestarts++;
        }
        app = sv.streams(bootstrap[0], chaosCfg, url);
        if (k < o.kills() && random.nextBoolean()) {
          // Sometimes killed again before it is RUNNING (while restoring), sometimes after.
          awaitStatus(url[0] + "/health", 200, Duration.ofMinutes(3));
        }
      }
      feeder.join();
      awaitStatus(url[0] + "/health", 200, Duration.ofMinutes(3));
      String chaosUrl = url[0];

      Path calmCfg = config("cmrwatch-calm");
      String[] calmUrl = new String[1];
      sv.streams(bootstrap[0], calmCfg, calmUrl);
      awaitStatus(calmUrl[0] + "/health", 200, Duration.ofMinutes(3));

      int identical = 0;
      int countsOk = 0;
      int runs = 0;
      double maxDiff = 0;
      for (Map.Entry<String, Map<String, Long>> x : perRun.entrySet()) {
        String id = x.getKey();
        runs += x.getValue().size();
        JsonNode a = settled(chaosUrl, id, x.getValue(), Duration.ofMinutes(10));
        JsonNode b = settled(calmUrl[0], id, x.getValue(), Duration.ofMinutes(10));
        if (a == null || b == null) {
          problems.add(id + ": no settled estimate (chaos " + a + ", undisturbed " + b + ")");
          continue;
        }
        countsOk += x.getValue().size();
        double d = difference(a, b);
        maxDiff = Math.max(maxDiff, d);
        if (d == 0 && a.path("status").equals(b.path("status"))) {
          identical++;
        } else {
          problems.add(
              id + ": estimates differ by " + d + ":\n    chaos " + a + "\n    calm  " + b);
        }
      }
      return new Report(
          kills,
          wipes,
          brokerRestarts,
          input.size(),
          dupSent[0],
          perRun.size(),
          identical,
          countsOk,
          runs,
          maxDiff,
          Duration.ofNanos(System.nanoTime() - t0),
          problems);
    }
  }

  /**
   * Starts the broker again on its port and data. On a machine short of CPU a start can stall (its
   * controller never answering its own broker); that is the broker module's concern, not what this
   * campaign checks, so a stalled start is killed and tried once more.
   */
  private static Services.Service restartBroker(Services sv, int port, Path kafkaDir)
      throws Exception {
    try {
      return sv.broker(port, kafkaDir, new String[1]);
    } catch (IllegalStateException stalled) {
      System.err.println("the broker did not start again; killing it and trying once more");
      sv.killLast("broker");
      return sv.broker(port, kafkaDir, new String[1]);
    }
  }

  /** Sends the input over {@code feedSeconds}, about 5% of it twice (a retrying producer). */
  private void feed(String bootstrap, List<LossEvent> input, int[] dupSent) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 300_000);
    String topic = TopicNames.withPrefix("").lossEvents();
    Random r = new Random(o.seed() + 17);
    int slices = Math.max(1, o.feedSeconds() * 4);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      for (int s = 0; s < slices; s++) {
        int from = (int) ((long) input.size() * s / slices);
        int to = (int) ((long) input.size() * (s + 1) / slices);
        for (LossEvent e : input.subList(from, to)) {
          producer.send(new ProducerRecord<>(topic, e.run(), LossEventCodec.encode(e)));
          if (r.nextInt(20) == 0) {
            producer.send(new ProducerRecord<>(topic, e.run(), LossEventCodec.encode(e)));
            dupSent[0]++;
          }
        }
        producer.flush();
        Thread.sleep(250);
      }
    }
  }

  /**
   * The experiment's estimate once every run has all its events and the estimate has not changed
   * over a settle period; null on timeout.
   */
  private JsonNode settled(String base, String id, Map<String, Long> runs, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode last = null;
    int stable = 0;
    while (System.nanoTime() < deadline) {
      boolean complete = true;
      for (Map.Entry<String, Long> r : runs.entrySet()) {
        JsonNode run = get(base + "/runs/" + r.getKey() + "?experiment=" + id);
        if (run == null || run.path("events").asLong() != r.getValue()) {
          complete = false;
          break;
        }
      }
      JsonNode e = complete ? get(base + "/experiments/" + id) : null;
      JsonNode est = e == null ? null : e.get("estimate");
      if (est != null && !est.isNull() && est.equals(last)) {
        if (++stable >= 3) {
          return est;
        }
      } else {
        stable = 0;
      }
      last = est;
      Thread.sleep(3_000);
    }
    return null;
  }

  private static double difference(JsonNode a, JsonNode b) {
    double d = 0;
    for (String f : List.of("cmr", "cmrLow", "cmrHigh")) {
      JsonNode x = a.get(f);
      JsonNode y = b.get(f);
      if (x == null || y == null || x.isNull() || y.isNull()) {
        if (!String.valueOf(x).equals(String.valueOf(y))) {
          return Double.POSITIVE_INFINITY;
        }
        continue;
      }
      d = Math.max(d, Math.abs(x.asDouble() - y.asDouble()));
    }
    return d;
  }

  private JsonNode get(String url) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private void awaitStatus(String url, int status, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        if (http.send(
                    HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == status) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(url + " did not answer " + status + " within " + timeout);
      }
      Thread.sleep(500);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
