package io.cmrwatch.bench.hardening;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cmrwatch.core.event.InvalidEventException;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.event.LossEventCodec;
import io.cmrwatch.kafka.topic.TopicNames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The fuzz campaign: hostile inputs mixed with tracked valid events, through the ingest API and
 * straight onto the loss-event topic, against the product's own processes (broker, ingest, streams
 * app). Checks no crash, no hang, no 5xx, every valid event counted exactly once by the streams app
 * and present once on the topic, every hostile input rejected by ingest (with a reason) or
 * dead-lettered by the streams app (with a reason), and reports the processes' peak RSS. {@code
 * bench/fuzz.sh} runs it with 100,000+ inputs; {@code FuzzCampaignIT} with a few thousand.
 */
public final class Fuzz {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "fuzz-token-0123456789abcdef0123456789";
  private static final int VALID_RUNS = 10;
  private static final int DIRECT_RUNS = 5;

  /**
   * @param jar {@code cmrwatch.jar}
   * @param work scratch directory (broker data, state, logs)
   * @param hostile hostile inputs to send in all
   * @param seed random seed (the same seed sends the same inputs)
   * @param batchLines lines per NDJSON request
   */
  public record Options(Path jar, Path work, long hostile, long seed, int batchLines) {}

  /** The campaign's figures; {@link #ok()} says whether every check held. */
  public record Report(
      long inputs,
      long hostileHttpLines,
      long hostileHttpRequests,
      long hostileOnTopic,
      long framingAttacks,
      long validSent,
      long validCounted,
      long validLost,
      long validDuplicates,
      long topicDuplicates,
      long hostileAccepted,
      long hostileNotDeadLettered,
      long serverErrors,
      long hangs,
      long crashes,
      long unexpected,
      Map<String, Long> httpReasons,
      Map<String, Long> dlqReasons,
      Map<Hostile.Kind, Long> kinds,
      long peakRssIngest,
      long peakRssStreams,
      long peakRssBroker,
      long healthUnderSilentClientsMs,
      long dlqLogLines,
      Duration elapsed,
      List<String> problems) {

    /** Whether every check held. */
    public boolean ok() {
      return problems.isEmpty();
    }

    /** The report as text. */
    public String text() {
      StringBuilder b = new StringBuilder();
      b.append(String.format(Locale.ROOT, "inputs tried:               %,d%n", inputs));
      b.append(
          String.format(
              Locale.ROOT,
              "  hostile NDJSON lines:     %,d (kinds %s)%n",
              hostileHttpLines,
              kinds));
      b.append(
          String.format(Locale.ROOT, "  hostile single requests:  %,d%n", hostileHttpRequests));
      b.append(String.format(Locale.ROOT, "  hostile topic records:    %,d%n", hostileOnTopic));
      b.append(String.format(Locale.ROOT, "  HTTP framing attacks:     %,d%n", framingAttacks));
      b.append(
          String.format(
              Locale.ROOT,
              "valid events sent:          %,d (counted by the streams app: %,d)%n",
              validSent,
              validCounted));
      b.append(String.format(Locale.ROOT, "valid lost:                 %,d%n", validLost));
      b.append(
          String.format(
              Locale.ROOT,
              "valid duplicates:           %,d (on the topic: %,d)%n",
              validDuplicates,
              topicDuplicates));
      b.append(String.format(Locale.ROOT, "hostile accepted by ingest: %,d%n", hostileAccepted));
      b.append(
          String.format(
              Locale.ROOT, "hostile records not dead-lettered: %,d%n", hostileNotDeadLettered));
      b.append(
          String.format(
              Locale.ROOT,
              "5xx answers: %,d, hangs: %,d, crashes: %,d, unexpected answers: %,d%n",
              serverErrors,
              hangs,
              crashes,
              unexpected));
      b.append(String.format(Locale.ROOT, "ingest rejection reasons:   %s%n", httpReasons));
      b.append(String.format(Locale.ROOT, "dead-letter reasons:        %s%n", dlqReasons));
      b.append(String.format(Locale.ROOT, "dead-letter log lines:      %,d%n", dlqLogLines));
      b.append(
          String.format(
              Locale.ROOT, "/health with 64 silent clients: %d ms%n", healthUnderSilentClientsMs));
      b.append(
          String.format(
              Locale.ROOT,
              "peak RSS: ingest %,d MB, streams app %,d MB, broker %,d MB%n",
              peakRssIngest >> 20,
              peakRssStreams >> 20,
              peakRssBroker >> 20));
      b.append(String.format(Locale.ROOT, "elapsed: %d s%n", elapsed.toSeconds()));
      b.append(
          problems.isEmpty()
              ? "RESULT: every check held\n"
              : "RESULT: FAILED\n  " + String.join("\n  ", problems) + "\n");
      return b.toString();
    }
  }

  private final Options o;
  private final Random random;
  private final Hostile hostile;
  private final String experiment;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final List<String> problems = new ArrayList<>();
  private final Map<String, Long> expected = new TreeMap<>();
  private final Map<String, Long> nextTokens = new HashMap<>();
  private final Map<String, Long> httpReasons = new TreeMap<>();
  private final Map<Hostile.Kind, Long> kinds = new EnumMap<>(Hostile.Kind.class);
  private long hostileLines;
  private long hostileRequests;
  private long hostileTopic;
  private long framing;
  private long validSent;
  private long hostileAccepted;
  private long serverErrors;
  private long hangs;
  private long unexpected;
  private String ingestUrl;
  private String streamsUrl;

  private Fuzz(Options o) {
    this.o = o;
    this.random = new Random(o.seed());
    this.hostile = new Hostile(new Random(o.seed() * 31 + 7));
    this.experiment = "fuzz-" + o.seed();
  }

  /** Runs the campaign; the processes are stopped before it returns. */
  public static Report run(Options o) throws Exception {
    return new Fuzz(o).campaign();
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: Fuzz JAR WORKDIR HOSTILE_INPUTS [SEED] [BATCH_LINES]");
      System.exit(2);
    }
    Options opts =
        new Options(
            Path.of(args[0]),
            Path.of(args[1]),
            Long.parseLong(args[2]),
            args.length > 3 ? Long.parseLong(args[3]) : 1,
            args.length > 4 ? Integer.parseInt(args[4]) : 400);
    Report r = run(opts);
    System.out.print(r.text());
    System.exit(r.ok() ? 0 : 1);
  }

  private Report campaign() throws Exception {
    long t0 = System.nanoTime();
    Files.createDirectories(o.work());
    Path tokens = o.work().resolve("tokens");
    Files.writeString(tokens, TOKEN + "\n");
    Path config = o.work().resolve("streams.properties");
    Files.writeString(
        config,
        "cmrwatch.application-id=cmrwatch-fuzz\n"
            + "cmrwatch.state-dir="
            + o.work().resolve("state")
            + "\n"
            + "cmrwatch.topics.partitions=3\n"
            + "cmrwatch.estimate.settle-after-ms=2000\n");
    TopicNames topics = TopicNames.withPrefix("");
    try (Services sv = new Services(o.jar(), o.work())) {
      String[] bootstrap = new String[1];
      Services.Service broker = sv.broker(0, o.work().resolve("kafka"), bootstrap);
      String[] su = new String[1];
      Services.Service streams = sv.streams(bootstrap[0], config, su);
      streamsUrl = su[0];
      awaitStatus(streamsUrl + "/health", 200, Duration.ofMinutes(3));
      String[] iu = new String[1];
      Services.Service ingest =
          sv.ingest(
              bootstrap[0],
              tokens,
              List.of("--read-timeout", "PT5S", "--idle-timeout", "PT10S", "--partitions", "3"),
              iu);
      ingestUrl = iu[0];
      awaitStatus(ingestUrl + "/health", 200, Duration.ofMinutes(2));

      long silentHealthMs = -1;
      try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap[0])) {
        long sent = 0;
        int batch = 0;
        while (sent < o.hostile()) {
          batch++;
          sent += ndjsonBatch();
          if (batch % 10 == 0) {
            sent += singles();
          }
          sent += framingAttack(batch);
          if (batch % 4 == 0) {
            sent += topicBatch(producer, 300);
          }
          if (silentHealthMs < 0 && sent >= o.hostile() / 2) {
            silentHealthMs = silentClients();
          }
        }
        producer.flush();
      }
      if (silentHealthMs < 0) {
        silentHealthMs = silentClients();
      }

      long counted = awaitCounts(Duration.ofMinutes(10));
      long[] topicCheck = checkTopic(bootstrap[0], topics.lossEvents());
      Map<String, Long> dlqReasons = new TreeMap<>();
      long dead = deadLetters(bootstrap[0], topics.lossEventsDlq(), dlqReasons);
      long notDeadLettered = Math.max(0, hostileTopic - dead);
      if (dead != hostileTopic) {
        problems.add(
            "dead-lettered "
                + dead
                + " records, but "
                + hostileTopic
                + " hostile records went to the topic");
      }
      long crashes = 0;
      for (Services.Service s : List.of(broker, ingest, streams)) {
        if (!s.process.isAlive()) {
          crashes++;
          problems.add(s.name + " is not running at the end:\n" + Services.tail(s.out));
        }
      }
      if (statusOf(streamsUrl + "/health") != 200) {
        problems.add("the streams app's /health is not 200 at the end");
      }
      if (statusOf(ingestUrl + "/health") != 200) {
        problems.add("ingest's /health is not 200 at the end");
      }
      if (serverErrors > 0) {
        problems.add(serverErrors + " 5xx answers");
      }
      if (hangs > 0) {
        problems.add(hangs + " requests hung past their timeout");
      }
      if (hostileAccepted > 0) {
        problems.add(hostileAccepted + " hostile inputs accepted by ingest");
      }
      if (unexpected > 0) {
        problems.add(unexpected + " unexpected answers (see the log above)");
      }
      if (silentHealthMs > 1000) {
        problems.add("/health took " + silentHealthMs + " ms with 64 silent clients");
      }
      long validCounted = counted;
      long lost = 0;
      long dup = 0;
      for (Map.Entry<String, Long> e : runCounts().entrySet()) {
        long want = expected.get(e.getKey());
        long got = e.getValue();
        if (got < want) {
          lost += want - got;
        } else {
          dup += got - want;
        }
      }
      lost += topicCheck[0];
      if (lost > 0 || dup > 0) {
        problems.add("valid events lost " + lost + ", counted twice " + dup);
      }
      long dlqLogLines = countLines(streams.out, "dead-lettered");
      return new Report(
          hostileLines + hostileRequests + hostileTopic + framing + 64,
          hostileLines,
          hostileRequests,
          hostileTopic,
          framing,
          validSent,
          validCounted,
          lost,
          dup,
          topicCheck[1],
          hostileAccepted,
          notDeadLettered,
          serverErrors,
          hangs,
          crashes,
          unexpected,
          httpReasons,
          dlqReasons,
          kinds,
          ingest.peakRss(),
          streams.peakRss(),
          broker.peakRss(),
          silentHealthMs,
          dlqLogLines,
          Duration.ofNanos(System.nanoTime() - t0),
          problems);
    }
  }

  // ---- inputs ----

  private String nextValid(String run) {
    long t = nextTokens.merge(run, 1_000L, Long::sum);
    expected.merge(run, 1L, Long::sum);
    validSent++;
    return Hostile.valid(
        experiment, run, t, 2.3 + 0.05 * Math.sin(t / 1e5) + 1e-6 * random.nextInt(1000));
  }

  /** One NDJSON request of valid and hostile lines; returns the hostile lines sent. */
  private long ndjsonBatch() throws Exception {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    Set<Integer> bad = new HashSet<>();
    int valid = 0;
    for (int line = 1; line <= o.batchLines(); line++) {
      if (random.nextInt(10) < 7) {
        Hostile.Input h = hostile.next(experiment);
        kinds.merge(h.kind(), 1L, Long::sum);
        body.writeBytes(stripNewlines(h.bytes()));
        bad.add(line);
      } else {
        body.writeBytes(Hostile.utf8(nextValid("fz" + random.nextInt(VALID_RUNS))));
        valid++;
      }
      body.write('\n');
    }
    HttpResponse<String> r = postUntilTaken("application/x-ndjson", body.toByteArray());
    if (r == null) {
      return bad.size();
    }
    JsonNode j = JSON.readTree(r.body());
    int accepted = j.path("accepted").asInt(-1);
    Set<Integer> rejected = new HashSet<>();
    for (JsonNode x : j.path("rejected")) {
      rejected.add(x.get("line").asInt());
      httpReasons.merge(x.get("reason").asText(), 1L, Long::sum);
    }
    if (accepted != valid || !rejected.equals(bad)) {
      Set<Integer> taken = new HashSet<>(bad);
      taken.removeAll(rejected);
      hostileAccepted += taken.size();
      unexpected++;
      System.err.println(
          "batch: accepted "
              + accepted
              + " of "
              + valid
              + " valid lines; hostile lines not rejected: "
              + taken);
    }
    hostileLines += bad.size();
    return bad.size();
  }

  private static byte[] stripNewlines(byte[] b) {
    byte[] c = b.clone();
    for (int i = 0; i < c.length; i++) {
      if (c[i] == '\n' || c[i] == '\r') {
        c[i] = ' ';
      }
    }
    return c;
  }

  /** One hostile and one valid single-event request. */
  private long singles() throws Exception {
    Hostile.Input h = hostile.next(experiment);
    kinds.merge(h.kind(), 1L, Long::sum);
    HttpResponse<String> bad = postUntilTaken("application/json", h.bytes());
    if (bad != null) {
      JsonNode j = JSON.readTree(bad.body());
      if (bad.statusCode() != 400 || j.path("accepted").asInt(-1) != 0) {
        hostileAccepted++;
        System.err.println("single hostile: " + bad.statusCode() + " " + bad.body());
      } else {
        httpReasons.merge(j.path("rejected").path(0).path("reason").asText("?"), 1L, Long::sum);
      }
    }
    hostileRequests++;
    HttpResponse<String> ok =
        postUntilTaken(
            "application/json", Hostile.utf8(nextValid("fz" + random.nextInt(VALID_RUNS))));
    if (ok != null && ok.statusCode() != 202) {
      unexpected++;
      System.err.println("single valid: " + ok.statusCode() + " " + ok.body());
    }
    return 1;
  }

  /** POSTs until the answer is neither 429 nor 503; null after a hang or a 5xx. */
  private HttpResponse<String> postUntilTaken(String type, byte[] body) throws Exception {
    for (int attempt = 0; attempt < 20; attempt++) {
      HttpResponse<String> r;
      try {
        r =
            http.send(
                HttpRequest.newBuilder(URI.create(ingestUrl + "/v1/events"))
                    .timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + TOKEN)
                    .header("Content-Type", type)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
      } catch (java.net.http.HttpTimeoutException e) {
        hangs++;
        return null;
      }
      if (r.statusCode() == 429 || r.statusCode() == 503) {
        Thread.sleep(1000);
        continue;
      }
      if (r.statusCode() >= 500) {
        serverErrors++;
        System.err.println("POST " + type + ": " + r.statusCode() + " " + r.body());
        return null;
      }
      return r;
    }
    hangs++;
    return null;
  }

  /**
   * Hostile records straight onto the topic, with valid ones of their own runs; returns hostile.
   */
  private long topicBatch(KafkaProducer<byte[], byte[]> producer, int n) {
    String topic = TopicNames.withPrefix("").lossEvents();
    long bad = 0;
    for (int i = 0; i < n; i++) {
      int k = random.nextInt(100);
      if (k < 25) {
        String run = "fd" + random.nextInt(DIRECT_RUNS);
        producer.send(new ProducerRecord<>(topic, Hostile.utf8(run), Hostile.utf8(nextValid(run))));
        continue;
      }
      // Keys of any kind, none of them an experiment's or run's id: a record's fate is its value's.
      byte[] key =
          switch (random.nextInt(3)) {
            case 0 -> null;
            case 1 -> new byte[] {(byte) 0xff, 0, (byte) 0xfe};
            default -> Hostile.utf8("hx");
          };
      byte[] value;
      if (k < 30) {
        value = random.nextBoolean() ? new byte[0] : null; // empty or a tombstone: missing_field
      } else {
        Hostile.Input h = hostile.next(experiment);
        kinds.merge(h.kind(), 1L, Long::sum);
        value = h.bytes();
      }
      producer.send(new ProducerRecord<>(topic, key, value));
      bad++;
    }
    hostileTopic += bad;
    return bad;
  }

  /** Raw HTTP framing attacks on ingest; each must get a 4xx answer or a close, never a 5xx. */
  private long framingAttack(int i) throws Exception {
    String auth = "Host: x\r\nAuthorization: Bearer " + TOKEN + "\r\n";
    String ev = nextValidUntracked();
    List<String> attacks =
        List.of(
            "POST /v1/events HTTP/1.1\r\n"
                + auth
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
                + ev
                + "\r\n0\r\n\r\n",
            "POST /v1/events HTTP/1.1\r\n"
                + auth
                + "Content-Type: application/json\r\nContent-Length: 99999\r\n\r\n"
                + ev,
            "POST /v1/events HTTP/1.1\r\n"
                + auth
                + "Content-Type: application/json\r\nContent-Length: 99999999999999999999\r\n\r\n"
                + ev,
            "POST /v1/events HTTP/1.1\r\n"
                + auth
                + "Content-Type: application/json\r\nContent-Length: -5\r\n\r\n"
                + ev,
            "POST /v1/events HTTP/1.1\r\n"
                + auth
                + "Content-Type: application/json\r\nContent-Length: 10\r\nContent-Length: 20\r\n\r\n"
                + ev,
            "POST /v1/events HTTP/1.1\r\n"
                + auth
                + "Content-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                + ev,
            "GET /health HTTP/1.1\r\n" + "X-H: v\r\n".repeat(600) + "\r\n",
            "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(1 << 20) + "\r\n\r\n",
            "GARBAGE\r\n\r\n",
            "GET /" + "u".repeat(100_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /health HTTP/9.9\r\nHost: x\r\n\r\n",
            "POST /v1/events HTTP/1.1\r\n"
                + auth
                + "Content-Type: text/csv\r\nContent-Length: 3\r\n\r\na,b",
            "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
            "DELETE /v1/events HTTP/1.1\r\n" + auth + "\r\n",
            "POST /v1/events HTTP/1.1\r\n"
                + auth
                + "Content-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            "POST /v1/%zz HTTP/1.1\r\n" + auth + "\r\n",
            "\u0000\u0001\u0002\u00ff binary\r\n\r\n");
    String req = attacks.get(i % attacks.size());
    long t0 = System.nanoTime();
    String answer = raw(req, Duration.ofSeconds(20));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    framing++;
    if (answer == null || ms > 19_000) {
      hangs++;
      System.err.println("framing attack " + i % attacks.size() + " hung");
    } else if (answer.startsWith("HTTP/1.1 5")
        && !answer.startsWith("HTTP/1.1 501")
        && !answer.startsWith("HTTP/1.1 505")) {
      // (501 for a transfer coding the server does not implement and 505 for an HTTP version it
      // does
      // not speak are the protocol's answers, not failures.)
      serverErrors++;
      System.err.println("framing attack " + i % attacks.size() + ": " + firstLine(answer));
    } else if (!answer.isEmpty()
        && !answer.startsWith("HTTP/1.1 4")
        && !answer.startsWith("HTTP/1.1 50")) {
      unexpected++;
      System.err.println("framing attack " + i % attacks.size() + ": " + firstLine(answer));
    }
    return 1;
  }

  private String nextValidUntracked() {
    return Hostile.valid(experiment + "-framing", "fr", 1 + random.nextInt(1_000_000), 2.3);
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\r');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** Sends raw bytes, half-closes, reads the answer until close; null if nothing came in time. */
  private String raw(String request, Duration timeout) throws IOException {
    URI u = URI.create(ingestUrl);
    try (Socket s = new Socket(u.getHost(), u.getPort())) {
      s.setSoTimeout((int) timeout.toMillis());
      try {
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        s.shutdownOutput();
      } catch (IOException e) {
        // Answered and closed before all was sent: read what came.
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try {
        s.getInputStream().transferTo(out);
      } catch (SocketTimeoutException e) {
        return out.size() > 0 ? out.toString(StandardCharsets.ISO_8859_1) : null;
      } catch (IOException e) {
        // A reset after the answer.
      }
      return out.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /** 64 silent connections to each API, then /health of both; returns the slower's ms. */
  private long silentClients() throws Exception {
    List<Socket> silent = new ArrayList<>();
    try {
      for (String base : List.of(ingestUrl, streamsUrl)) {
        URI u = URI.create(base);
        for (int i = 0; i < 32; i++) {
          Socket s = new Socket(u.getHost(), u.getPort());
          s.getOutputStream()
              .write("POST /v1/events HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
          silent.add(s);
        }
      }
      long worst = 0;
      for (String base : List.of(ingestUrl, streamsUrl)) {
        long t0 = System.nanoTime();
        int status = statusOf(base + "/health");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (status != 200) {
          problems.add(base + "/health answered " + status + " with silent clients");
        }
        worst = Math.max(worst, ms);
      }
      return worst;
    } finally {
      for (Socket s : silent) {
        s.close();
      }
    }
  }

  // ---- checks ----

  private int statusOf(String url) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private void awaitStatus(String url, int status, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (statusOf(url) != status) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(url + " did not answer " + status + " within " + timeout);
      }
      Thread.sleep(500);
    }
  }

  /** Each tracked run's event count in the streams app (GET /runs/{id}?experiment=). */
  private Map<String, Long> runCounts() throws Exception {
    Map<String, Long> got = new TreeMap<>();
    for (String run : expected.keySet()) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(streamsUrl + "/runs/" + run + "?experiment=" + experiment))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      got.put(run, r.statusCode() == 200 ? JSON.readTree(r.body()).path("events").asLong() : 0L);
    }
    return got;
  }

  /** Waits until the streams app has counted every valid event; returns its total. */
  private long awaitCounts(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Map<String, Long> got = runCounts();
      long total = got.values().stream().mapToLong(Long::longValue).sum();
      if (got.equals(expected) || System.nanoTime() > deadline) {
        return total;
      }
      Thread.sleep(1000);
    }
  }

  /** Reads the loss-event topic: [tracked ids missing, tracked ids there more than once]. */
  private long[] checkTopic(String bootstrap, String topic) {
    Map<String, Integer> ids = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(bootstrap, topic)) {
      if (r.value() == null) {
        continue;
      }
      try {
        LossEvent e = LossEventCodec.decode(r.value());
        // Ingest keys every event by its experiment id (the streams app's partitioning); the valid
        // records written straight to the topic are keyed by run id, as earlier producers did, and
        // the app re-keys them.
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        if (e.experiment().equals(experiment) && (experiment.equals(key) || e.run().equals(key))) {
          ids.merge(e.eventId(), 1, Integer::sum);
        }
      } catch (InvalidEventException e) {
        // hostile: the dead-letter check counts those
      }
    }
    long dup = ids.values().stream().filter(c -> c > 1).mapToLong(c -> c - 1).sum();
    long want = expected.values().stream().mapToLong(Long::longValue).sum();
    long missing = Math.max(0, want - ids.size());
    return new long[] {missing, dup};
  }

  private long deadLetters(String bootstrap, String topic, Map<String, Long> reasons) {
    long n = 0;
    for (ConsumerRecord<byte[], byte[]> r : readAll(bootstrap, topic)) {
      var h = r.headers().lastHeader("cmrwatch.dlq.reason");
      String reason = h == null ? "(none)" : new String(h.value(), StandardCharsets.UTF_8);
      if (h == null) {
        problems.add("a dead-letter record without a reason at offset " + r.offset());
      }
      reasons.merge(reason, 1L, Long::sum);
      n++;
    }
    return n;
  }

  private static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      for (PartitionInfo pi : c.partitionsFor(topic, Duration.ofSeconds(30))) {
        parts.add(new TopicPartition(topic, pi.partition()));
      }
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (System.nanoTime() < deadline) {
        boolean done = true;
        for (TopicPartition tp : parts) {
          if (c.position(tp) < end.get(tp)) {
            done = false;
          }
        }
        if (done) {
          break;
        }
        c.poll(Duration.ofMillis(500)).forEach(out::add);
      }
    }
    return out;
  }

  private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static long countLines(Path file, String needle) throws IOException {
    try (var lines = Files.lines(file, StandardCharsets.ISO_8859_1)) {
      return lines.filter(l -> l.contains(needle)).count();
    } catch (java.io.UncheckedIOException e) {
      return -1;
    }
  }
}
