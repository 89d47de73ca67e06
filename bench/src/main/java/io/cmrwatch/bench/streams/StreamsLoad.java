package io.cmrwatch.bench.streams;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.event.LossEventCodec;
import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import io.cmrwatch.core.synth.SyntheticRun;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Load driver of {@code bench/streams-load.sh} against a running {@code cmrwatch streams} (its own
 * JVM):
 *
 * <ol>
 *   <li>Warm-up (WARMUP_SECONDS, default 60; 0 for none): fresh runs at RATE events/s, not
 *       measured, so that the measured phases see a JIT-compiled app, as a long-running service is.
 *   <li>Throughput: RUNS runs × EVALS evaluations (experiments of 10 runs drawn from core's
 *       synthetic laws, all runs progressing together) produced as fast as the producer goes;
 *       events/s = events ÷ the time from the app's first processed event to its last (its {@code
 *       cmrwatch_events_processed_total}), refits on.
 *   <li>Raw consumer, same run: a plain kafka-clients consumer reads the same events from the
 *       start, only taking the bytes, and also decoding each event with core's codec: one read each
 *       to warm up, then seven each; the median events/s and the app's ratio to each.
 *   <li>Kafka Streams baseline, same run: an application that only reads the same events (and one
 *       that only decodes them), with the app's exactly-once settings: one read each to warm up,
 *       then three each; the median. The ceiling of any Kafka Streams application here, and the
 *       app's ratio to it.
 *   <li>Latency: fresh runs at a steady RATE events/s for SECONDS; p50/p99 of the app's {@code
 *       cmrwatch_estimate_latency_seconds} histogram over the phase (record timestamp of the oldest
 *       event not yet in an estimate → the recomputed estimate), and of {@code
 *       cmrwatch_input_delay_seconds} (record timestamp → processed by the app); the CPU the app
 *       and the broker took meanwhile, how busy the whole machine was ({@code /proc/stat}), and the
 *       bytes per second the app wrote to each topic (its producers' metrics).
 *   <li>RSS of the app's process after each phase ({@code /proc/PID/status}).
 * </ol>
 */
public final class StreamsLoad {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /**
   * Measured reads of the raw consumer, each kind: one read of 200,000 events takes 0.1–0.6 s, and
   * single reads scattered from 340,000 to 1,600,000 events/s in one run.
   */
  private static final int RAW_READS = 7;

  private static final String INPUT_DELAY = "cmrwatch_input_delay_seconds";
  private static final String TOPIC_BYTES = "kafka_producer_topic_byte_total";
  private static final String PUBLISHED =
      "cmrwatch_estimates_published_total{application=\"cmrwatch-streams\"}";

  private StreamsLoad() {}

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String app = args[1];
    String topic = args[2];
    int runs = Integer.parseInt(args[3]);
    int evals = Integer.parseInt(args[4]);
    int rate = Integer.parseInt(args[5]);
    int seconds = Integer.parseInt(args[6]);
    long pid = Long.parseLong(args[7]);
    long brokerPid = args.length > 8 ? Long.parseLong(args[8]) : -1;
    int warmup = args.length > 9 ? Integer.parseInt(args[9]) : 0;

    System.out.printf(
        Locale.ROOT, "streams app %s (pid %d), %d runs x %d evaluations%n", app, pid, runs, evals);
    if (warmup > 0) {
      warmUp(bootstrap, app, topic, runs, rate, warmup);
    }
    List<LossEvent> events = events("load", runs, evals, 1);
    double before = processed(app);
    double[] refitsBefore = refitTotals(app);
    Instant start = Instant.now();
    try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
      for (LossEvent e : events) {
        producer.send(new ProducerRecord<>(topic, e.experiment(), LossEventCodec.encode(e)));
      }
      producer.flush();
    }
    double produceSeconds = Duration.between(start, Instant.now()).toNanos() / 1e9;
    // The app's first and last processed event, seen by polling its counter every 20 ms.
    // CPU seconds of the app and the broker over the same span: less sensitive to other load than
    // wall time.
    long first = 0;
    long last;
    double[] cpuFirst = null;
    double[] cpuLast;
    while (true) {
      double p = processed(app);
      long now = System.nanoTime();
      if (first == 0 && p > before) {
        first = now;
        cpuFirst = new double[] {cpuSeconds(pid), cpuSeconds(brokerPid)};
      }
      if (p >= before + events.size()) {
        last = now;
        cpuLast = new double[] {cpuSeconds(pid), cpuSeconds(brokerPid)};
        break;
      }
      Thread.sleep(20);
    }
    double appSeconds = (last - first) / 1e9;
    double appRate = events.size() / appSeconds;
    System.out.printf(
        Locale.ROOT,
        "produced %d events in %.2f s (%.0f events/s)%n",
        events.size(),
        produceSeconds,
        events.size() / produceSeconds);
    double[] refitsAfter = refitTotals(app);
    System.out.printf(
        Locale.ROOT,
        "app: %d events in %.2f s = %.0f events/s; refits during it: run %.0f, experiment "
            + "%.0f%n",
        events.size(),
        appSeconds,
        appRate,
        refitsAfter[0] - refitsBefore[0],
        refitsAfter[2] - refitsBefore[2]);
    double appCpu = cpuLast[0] - cpuFirst[0];
    double brokerCpu = cpuLast[1] - cpuFirst[1];
    System.out.printf(
        Locale.ROOT,
        "CPU per 1,000 events: app %.1f ms, broker %.1f ms (app busy %.0f %% of one core, "
            + "broker %.0f %%)%n",
        1e6 * appCpu / events.size(),
        1e6 * brokerCpu / events.size(),
        100 * appCpu / appSeconds,
        100 * brokerCpu / appSeconds);
    System.out.printf(Locale.ROOT, "app RSS after throughput phase: %d MiB%n", rssMiB(pid));

    // Warmed up like the app (one read of each kind unmeasured: this JVM's JIT speeds the raw
    // consumer up 2-3x over its
    // first reads), then RAW_READS reads each and the median: one read of 200,000 events takes well
    // under a second.
    rawConsumer(bootstrap, topic, events.size(), false);
    rawConsumer(bootstrap, topic, events.size(), true);
    double[] bytesRuns = new double[RAW_READS];
    double[] decodedRuns = new double[RAW_READS];
    for (int i = 0; i < RAW_READS; i++) {
      bytesRuns[i] = rawConsumer(bootstrap, topic, events.size(), false);
      decodedRuns[i] = rawConsumer(bootstrap, topic, events.size(), true);
    }
    java.util.Arrays.sort(bytesRuns);
    java.util.Arrays.sort(decodedRuns);
    double rawBytes = bytesRuns[RAW_READS / 2];
    double rawDecoded = decodedRuns[RAW_READS / 2];
    System.out.printf(
        Locale.ROOT,
        "raw consumer, bytes only: %.0f events/s, median of %s (app/raw = %.3f)%n",
        rawBytes,
        joined(bytesRuns),
        appRate / rawBytes);
    System.out.printf(
        Locale.ROOT,
        "raw consumer, decoding each event: %.0f events/s, median of %s (app/raw = %.3f)%n",
        rawDecoded,
        joined(decodedRuns),
        appRate / rawDecoded);

    // The ceiling of any Kafka Streams application here: one that only reads (or decodes) the same
    // events with the
    // app's exactly-once settings. Warmed up by one read each, then three each; the median.
    StreamsBaseline.read(bootstrap, topic, events.size(), false, "baseline-warm-bytes");
    StreamsBaseline.read(bootstrap, topic, events.size(), true, "baseline-warm-decode");
    double[] baseBytes = new double[3];
    double[] baseDecoded = new double[3];
    for (int i = 0; i < 3; i++) {
      baseBytes[i] =
          StreamsBaseline.read(bootstrap, topic, events.size(), false, "baseline-bytes-" + i);
      baseDecoded[i] =
          StreamsBaseline.read(bootstrap, topic, events.size(), true, "baseline-decode-" + i);
    }
    java.util.Arrays.sort(baseBytes);
    java.util.Arrays.sort(baseDecoded);
    System.out.printf(
        Locale.ROOT,
        "Kafka Streams doing nothing (exactly-once, 100 ms commits, 1 thread): %.0f "
            + "events/s, median of %s (its ratio to the raw consumer %.3f; the app's to it %.3f)%n",
        baseBytes[1],
        joined(baseBytes),
        baseBytes[1] / rawBytes,
        appRate / baseBytes[1]);
    System.out.printf(
        Locale.ROOT,
        "Kafka Streams only decoding each event: %.0f events/s, median of %s (ratio to the "
            + "raw consumer %.3f; the app's to it %.3f)%n",
        baseDecoded[1],
        joined(baseDecoded),
        baseDecoded[1] / rawBytes,
        appRate / baseDecoded[1]);

    if (seconds > 0) {
      latency(bootstrap, app, topic, runs, rate, seconds, pid, brokerPid);
      System.out.printf(Locale.ROOT, "app RSS after latency phase: %d MiB%n", rssMiB(pid));
    }
  }

  private static String joined(double[] sorted) {
    return java.util.Arrays.stream(sorted)
        .mapToObj(v -> String.format(Locale.ROOT, "%.0f", v))
        .collect(Collectors.joining(" / "));
  }

  /**
   * Experiments of 10 runs from core's synthetic laws, EVALS evenly spaced evaluations each,
   * interleaved.
   */
  static List<LossEvent> events(String prefix, int runs, int evals, long seed0) {
    int perExperiment = 10;
    List<List<LossEvent>> perRun = new ArrayList<>();
    SplittableRandom rnd = new SplittableRandom(seed0);
    SyntheticGenerator gen = new SyntheticGenerator(perExperiment, 0.05, 1000);
    for (int x = 0; x * perExperiment < runs; x++) {
      SyntheticExperiment exp = gen.generate(seed0 * 1_000_003 + x);
      String experiment = prefix + "-" + seed0 + "-" + x;
      LossEvent base = exp.events().get(0);
      for (SyntheticRun r : exp.runs()) {
        if (perRun.size() == runs) {
          break;
        }
        String run = experiment + "-" + r.run();
        List<LossEvent> list = new ArrayList<>(evals);
        for (int i = 1; i <= evals; i++) {
          long tokens = Math.max(1, exp.budgetTokens() * i / evals);
          double t = tokens / exp.tokenUnit();
          list.add(
              LossEvent.builder()
                  .experiment(experiment)
                  .run(run)
                  .ratio(r.ratio())
                  .tokens(tokens)
                  .generalLoss(
                      base.baseGeneralLoss() + r.trueGeneral().value(t) + 0.003 * gaussian(rnd))
                  .domainLoss(
                      Math.max(
                          0,
                          base.baseDomainLoss() + r.trueDomain().value(t) + 0.003 * gaussian(rnd)))
                  .baseGeneralLoss(base.baseGeneralLoss())
                  .baseDomainLoss(base.baseDomainLoss())
                  .budgetTokens(exp.budgetTokens())
                  .eventId(run + "/" + i)
                  .build());
        }
        perRun.add(list);
      }
    }
    List<LossEvent> all = new ArrayList<>(runs * evals);
    for (int i = 0; i < evals; i++) {
      for (List<LossEvent> l : perRun) {
        all.add(l.get(i));
      }
    }
    return all;
  }

  /**
   * Warm-up, not measured: fresh runs at {@code rate} events/s for {@code seconds}, until the app
   * is idle again. The app is a long-running service; without this its JIT compiler is still busy
   * with the hot paths (it took 40–75 % of a core through a cold run's measured phases) and the
   * figures are those of a JVM starting up.
   */
  private static void warmUp(
      String bootstrap, String app, String topic, int runs, int rate, int seconds)
      throws Exception {
    List<LossEvent> events =
        events("warmup", runs, Math.max(1, (rate * seconds + runs - 1) / runs), 3);
    double before = processed(app);
    int sent;
    try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
      sent =
          sendAtRate(
              producer,
              topic,
              events,
              0,
              Math.min(events.size(), rate * seconds),
              rate,
              System.nanoTime());
      producer.flush();
    }
    while (processed(app) < before + sent) {
      Thread.sleep(100);
    }
    double idle = awaitIdle(app);
    System.out.printf(
        Locale.ROOT,
        "warm-up (not measured): %d events at %d events/s, idle %.0f s later%n",
        sent,
        rate,
        idle);
  }

  /**
   * Sends {@code events[from, to)} paced at {@code rate} events/s counted from {@code startNanos}
   * (a later call continues the same schedule); returns {@code to}.
   */
  private static int sendAtRate(
      KafkaProducer<String, byte[]> producer,
      String topic,
      List<LossEvent> events,
      int from,
      int to,
      int rate,
      long startNanos)
      throws InterruptedException {
    int sent = from;
    while (sent < to) {
      long due = Math.min(to, (long) ((System.nanoTime() - startNanos) / 1e9 * rate));
      while (sent < due) {
        LossEvent e = events.get(sent++);
        producer.send(new ProducerRecord<>(topic, e.experiment(), LossEventCodec.encode(e)));
      }
      Thread.sleep(2);
    }
    return sent;
  }

  /**
   * Waits until the app's refit counters have not moved for 12 s (at most 10 min); returns the
   * seconds waited.
   */
  private static double awaitIdle(String app) throws Exception {
    long drainStart = System.nanoTime();
    double[] last = null;
    long stableSince = System.nanoTime();
    while (System.nanoTime() - stableSince < 12e9 && System.nanoTime() - drainStart < 600e9) {
      double[] now = refitTotals(app);
      if (!java.util.Arrays.equals(now, last)) {
        last = now;
        stableSince = System.nanoTime();
      }
      Thread.sleep(500);
    }
    return (System.nanoTime() - drainStart) / 1e9;
  }

  private static void latency(
      String bootstrap,
      String app,
      String topic,
      int runs,
      int rate,
      int seconds,
      long pid,
      long brokerPid)
      throws Exception {
    // Start from an idle app: the throughput phase's refits and CMR recomputes (and the settling
    // cold ones) done.
    System.out.printf(
        Locale.ROOT, "refits and settling recomputes done after %.0f s%n", awaitIdle(app));
    int total = rate * seconds;
    int evals = Math.max(1, (total + runs - 1) / runs);
    List<LossEvent> events = events("steady", runs, evals, 2);
    TreeMap<Double, Double> before = buckets(app);
    TreeMap<Double, Double> inputBefore = buckets(app, INPUT_DELAY);
    double[] refitsBefore = refitTotals(app);
    double publishedBefore = Double.parseDouble(metric(app, PUBLISHED));
    double processedBefore = processed(app);
    // Side by side: a plain consumer's view of the same events (record timestamp → received), the
    // transport's share.
    TransportProbe probe = new TransportProbe(bootstrap, topic);
    Thread probeThread = new Thread(probe, "transport-probe");
    probeThread.start();
    probe.ready.await();
    Map<String, Double> bytesBefore = topicBytes(app);
    double[] cpuBefore = {cpuSeconds(pid), cpuSeconds(brokerPid)};
    long[] machineBefore = machineTicks();
    long start = System.nanoTime();
    int sent;
    TreeMap<Double, Double> half;
    try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
      int end = Math.min(total, events.size());
      sent = sendAtRate(producer, topic, events, 0, end / 2, rate, start);
      half = buckets(app); // the second half: the runs are under way, past their first (cold) fits
      sent = sendAtRate(producer, topic, events, sent, end, rate, start);
      producer.flush();
    }
    double produced = (System.nanoTime() - start) / 1e9;
    double[] cpuAfter = {cpuSeconds(pid), cpuSeconds(brokerPid)};
    long[] machineAfter = machineTicks();
    Map<String, Double> bytesAfter = topicBytes(app);
    // Let the last refits and the settle-free estimates catch up.
    while (processed(app) < processedBefore + sent) {
      Thread.sleep(50);
    }
    Thread.sleep(2000);
    probe.stop = true;
    probeThread.join();
    TreeMap<Double, Double> after = buckets(app);
    TreeMap<Double, Double> delta = minus(after, before);
    double count = delta.lastEntry().getValue();
    System.out.printf(
        Locale.ROOT,
        "steady load: %d events in %.1f s (%.0f events/s) over %d runs; %.0f estimate "
            + "recomputes; event-to-estimate latency p50 %.0f ms, p99 %.0f ms%n",
        sent,
        produced,
        sent / produced,
        runs,
        count,
        1000 * quantile(delta, 0.5),
        1000 * quantile(delta, 0.99));
    TreeMap<Double, Double> second = minus(after, half);
    System.out.printf(
        Locale.ROOT,
        "steady load, second half only (runs past their first fits): %.0f estimate "
            + "recomputes; latency p50 %.0f ms, p99 %.0f ms%n",
        second.lastEntry().getValue(),
        1000 * quantile(second, 0.5),
        1000 * quantile(second, 0.99));
    TreeMap<Double, Double> input = minus(buckets(app, INPUT_DELAY), inputBefore);
    System.out.printf(
        Locale.ROOT,
        "steady load, the app's input delay (record timestamp → processed by the app): "
            + "p50 %.0f ms, p99 %.0f ms%n",
        1000 * quantile(input, 0.5),
        1000 * quantile(input, 0.99));
    long[] d = probe.delays();
    System.out.printf(
        Locale.ROOT,
        "steady load, a plain consumer of the same events: record timestamp → received "
            + "p50 %d ms, p99 %d ms (%d events)%n",
        d[d.length / 2],
        d[(int) (d.length * 0.99)],
        d.length);
    System.out.printf(
        Locale.ROOT,
        "steady load CPU: app %.0f %% of one core, broker %.0f %%; the whole machine %.0f %% "
            + "busy (%d cores)%n",
        100 * (cpuAfter[0] - cpuBefore[0]) / produced,
        100 * (cpuAfter[1] - cpuBefore[1]) / produced,
        100.0
            * (machineAfter[0] - machineBefore[0])
            / Math.max(1, machineAfter[1] - machineBefore[1]),
        Runtime.getRuntime().availableProcessors());
    StringBuilder written = new StringBuilder();
    bytesAfter.entrySet().stream()
        .map(
            e ->
                Map.entry(
                    e.getKey(),
                    (e.getValue() - bytesBefore.getOrDefault(e.getKey(), 0.0)) / produced))
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .forEach(
            e ->
                written.append(
                    String.format(
                        Locale.ROOT,
                        "%s%s %.2f",
                        written.isEmpty() ? "" : ", ",
                        e.getKey(),
                        e.getValue() / 1e6)));
    System.out.printf(Locale.ROOT, "steady load, MB/s the app writes per topic: %s%n", written);
    double[] refits = refitTotals(app);
    System.out.printf(
        Locale.ROOT,
        "steady load refits: run %.0f (mean %.0f µs), experiment %.0f (mean %.0f µs), "
            + "%.0f estimates published%n",
        refits[0] - refitsBefore[0],
        1e6 * (refits[1] - refitsBefore[1]) / (refits[0] - refitsBefore[0]),
        refits[2] - refitsBefore[2],
        1e6 * (refits[3] - refitsBefore[3]) / (refits[2] - refitsBefore[2]),
        Double.parseDouble(metric(app, PUBLISHED)) - publishedBefore);
  }

  /**
   * A plain consumer from the topic's end: how long after its record timestamp each event can be
   * read.
   */
  private static final class TransportProbe implements Runnable {
    final java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
    volatile boolean stop;
    private final Properties props = new Properties();
    private final String topic;
    private long[] delays = new long[1 << 16];
    private int n;

    TransportProbe(String bootstrap, String topic) {
      this.topic = topic;
      props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    }

    @Override
    public void run() {
      try (KafkaConsumer<byte[], byte[]> c = consumer(props)) {
        List<TopicPartition> parts = assignAll(c, topic);
        c.seekToEnd(parts);
        parts.forEach(c::position);
        ready.countDown();
        while (!stop) {
          for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
            if (n == delays.length) {
              delays = java.util.Arrays.copyOf(delays, 2 * n);
            }
            delays[n++] = System.currentTimeMillis() - r.timestamp();
          }
        }
      } finally {
        ready.countDown();
      }
    }

    long[] delays() {
      long[] d = java.util.Arrays.copyOf(delays, Math.max(1, n));
      java.util.Arrays.sort(d);
      return d;
    }
  }

  /**
   * Run refits and CMR analyses ({@code cmrwatch_refits_total} by level) and their seconds ({@code
   * cmrwatch_refit_duration_seconds_sum} by level; runs are refitted inside their experiment's
   * analysis, which times them together: NaN for the run level then).
   */
  private static double[] refitTotals(String app) throws Exception {
    double[] t = {0, Double.NaN, 0, Double.NaN};
    for (String family : List.of("cmrwatch_refits_total", "cmrwatch_refit_duration_seconds")) {
      for (String line : scrape(app, family).lines().toList()) {
        int level =
            line.contains("level=\"run\"") ? 0 : line.contains("level=\"experiment\"") ? 2 : -1;
        if (level < 0 || line.startsWith("#")) {
          continue;
        }
        double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        if (line.startsWith("cmrwatch_refits_total{")) {
          t[level] = v;
        } else if (line.startsWith("cmrwatch_refit_duration_seconds_sum{")) {
          t[level + 1] = v;
        }
      }
    }
    return t;
  }

  /** The histogram's cumulative buckets counted since {@code base} was scraped. */
  private static TreeMap<Double, Double> minus(
      TreeMap<Double, Double> later, TreeMap<Double, Double> base) {
    TreeMap<Double, Double> d = new TreeMap<>();
    later.forEach((le, c) -> d.put(le, c - base.getOrDefault(le, 0.0)));
    return d;
  }

  /** Upper bound of the histogram bucket holding quantile q (Prometheus cumulative buckets). */
  static double quantile(TreeMap<Double, Double> cumulative, double q) {
    double total = cumulative.lastEntry().getValue();
    double prevLe = 0;
    double prevCount = 0;
    for (var e : cumulative.entrySet()) {
      if (e.getValue() >= q * total) {
        // Linear interpolation inside the bucket, as Prometheus' histogram_quantile does.
        double inBucket = e.getValue() - prevCount;
        double le = Double.isInfinite(e.getKey()) ? prevLe : e.getKey();
        return inBucket <= 0 ? le : prevLe + (le - prevLe) * (q * total - prevCount) / inBucket;
      }
      prevLe = e.getKey();
      prevCount = e.getValue();
    }
    return prevLe;
  }

  private static TreeMap<Double, Double> buckets(String app) throws Exception {
    return buckets(app, "cmrwatch_estimate_latency_seconds");
  }

  /** The cumulative buckets of the app's histogram {@code family}. */
  private static TreeMap<Double, Double> buckets(String app, String family) throws Exception {
    TreeMap<Double, Double> m = new TreeMap<>();
    for (String line :
        scrape(app, family)
            .lines()
            .filter(l -> l.startsWith(family + "_bucket"))
            .collect(Collectors.toList())) {
      int i = line.indexOf("le=\"") + 4;
      String le = line.substring(i, line.indexOf('"', i));
      m.put(
          le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le),
          Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
    }
    return m;
  }

  private static KafkaConsumer<byte[], byte[]> consumer(Properties p) {
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** Assigns every partition of {@code topic} to {@code c} (no group) and returns them. */
  private static List<TopicPartition> assignAll(KafkaConsumer<byte[], byte[]> c, String topic) {
    List<TopicPartition> parts =
        c.partitionsFor(topic).stream()
            .map(i -> new TopicPartition(i.topic(), i.partition()))
            .toList();
    c.assign(parts);
    return parts;
  }

  private static double rawConsumer(String bootstrap, String topic, int expected, boolean decode) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    try (KafkaConsumer<byte[], byte[]> c = consumer(p)) {
      c.seekToBeginning(assignAll(c, topic));
      long start = System.nanoTime();
      long n = 0;
      long sink = 0;
      while (n < expected) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
          n++;
          sink += decode ? LossEventCodec.decode(r.value()).tokens() : r.value().length;
        }
      }
      double s = (System.nanoTime() - start) / 1e9;
      if (sink == 42) {
        System.out.print("");
      }
      return n / s;
    }
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 262_144);
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  private static double processed(String app) throws Exception {
    String v = metric(app, "cmrwatch_events_processed_total{application=\"cmrwatch-streams\"}");
    return v == null ? 0 : Double.parseDouble(v);
  }

  private static String metric(String app, String series) throws Exception {
    // Polled every few ms: ask for the one family (Prometheus' name[] selector), not the whole
    // exposition.
    String family = series.substring(0, series.indexOf('{'));
    for (String line : scrape(app, family).lines().toList()) {
      if (line.startsWith(series + " ")) {
        return line.substring(series.length() + 1);
      }
    }
    return null;
  }

  private static String scrape(String app, String family) throws IOException, InterruptedException {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create(app + "/metrics?name%5B%5D=" + family)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /**
   * User + system CPU seconds of a process ({@code /proc/PID/stat}, clock ticks of 1/100 s); NaN
   * without a pid.
   */
  private static double cpuSeconds(long pid) throws IOException {
    if (pid < 0) {
      return Double.NaN;
    }
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
  }

  /**
   * Busy and total clock ticks of the whole machine ({@code /proc/stat}, first line; idle and
   * iowait are not busy).
   */
  private static long[] machineTicks() throws IOException {
    String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
    long total = 0;
    for (int i = 1; i < f.length; i++) {
      total += Long.parseLong(f[i]);
    }
    long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
    return new long[] {total - idle, total};
  }

  /**
   * Bytes the app's producers have written, per topic (Kafka's producer metrics, through the app's
   * /metrics).
   */
  private static Map<String, Double> topicBytes(String app) throws Exception {
    Map<String, Double> bytes = new TreeMap<>();
    for (String line : scrape(app, TOPIC_BYTES).lines().toList()) {
      int t = line.indexOf("topic=\"");
      if (line.startsWith(TOPIC_BYTES + "{") && t > 0) {
        String name = line.substring(t + 7, line.indexOf('"', t + 7));
        bytes.merge(
            name, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
      }
    }
    return bytes;
  }

  private static long rssMiB(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return -1;
  }

  private static double gaussian(SplittableRandom rnd) {
    double u1 = 1.0 - rnd.nextDouble();
    double u2 = rnd.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
