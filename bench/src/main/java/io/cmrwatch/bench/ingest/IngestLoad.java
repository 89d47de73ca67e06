package io.cmrwatch.bench.ingest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load driver for the ingest API: posts NDJSON batches of distinct, valid loss events from {@code
 * concurrency} connections and reports events/s accepted (every 202 means Kafka acknowledged the
 * batch) and request latency percentiles (as the client sees them, waits after 429/503 included),
 * for a warm-up round and then each measured round. Run it as its own process
 * (bench/ingest-load.sh).
 *
 * <pre>
 * java -cp bench/target/classes io.cmrwatch.bench.ingest.IngestLoad URL TOKEN [events [batch [conc [rounds [warm]]]]]
 * </pre>
 */
public final class IngestLoad {

  private static final Pattern ACCEPTED = Pattern.compile("\"accepted\":(\\d+)");

  private IngestLoad() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println(
          "usage: IngestLoad URL TOKEN [events=300000 [batch=1000 [concurrency=4 [rounds=3 [warmups=2]]]]]");
      System.exit(2);
    }
    String url = args[0].replaceAll("/+$", "") + "/v1/events";
    String token = args[1];
    int events = args.length > 2 ? Integer.parseInt(args[2]) : 300_000;
    int batch = args.length > 3 ? Integer.parseInt(args[3]) : 1_000;
    int concurrency = args.length > 4 ? Integer.parseInt(args[4]) : 4;
    int rounds = args.length > 5 ? Integer.parseInt(args[5]) : 3;
    // The server's JIT keeps improving for a few hundred thousand events on a busy 2-core machine:
    // warm up longer.
    int warmups = args.length > 6 ? Integer.parseInt(args[6]) : 2;
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    System.out.printf(
        Locale.ROOT,
        "ingest load: %d events per round in NDJSON batches of %d, %d connections, %s%n",
        events,
        batch,
        concurrency,
        url);
    List<double[]> measured = new ArrayList<>();
    for (int round = 1 - warmups; round <= rounds; round++) {
      double[] r =
          round(
              http,
              url,
              token,
              "load" + System.nanoTime() % 100_000 + "-" + (round + warmups),
              events,
              batch,
              concurrency);
      System.out.printf(
          Locale.ROOT,
          "%-9s %9.0f events/s  p50 %6.1f ms  p99 %6.1f ms  (%d requests, %d failed, %d retried after 429/503)%n",
          round <= 0 ? "warm-up " + (round + warmups) : "round " + round,
          r[0],
          r[1],
          r[2],
          (long) r[3],
          (long) r[4],
          (long) r[5]);
      if (round > 0) {
        measured.add(r);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "median of %d rounds: %.0f events/s accepted, p50 %.1f ms, p99 %.1f ms%n",
        rounds,
        median(measured, 0),
        median(measured, 1),
        median(measured, 2));
  }

  /**
   * One round; returns {events/s, p50 ms, p99 ms, requests, failed requests, retries after
   * 429/503}.
   */
  private static double[] round(
      HttpClient http,
      String url,
      String token,
      String runPrefix,
      int events,
      int batch,
      int concurrency)
      throws Exception {
    int requests = (events + batch - 1) / batch;
    // Bodies are built before the clock starts, so the driver's own JSON writing is not measured.
    List<byte[]> bodies = new ArrayList<>(requests);
    for (int i = 0; i < requests; i++) {
      int n = Math.min(batch, events - i * batch);
      bodies.add(body(runPrefix + "-" + (i % 16), (long) i * batch, n));
    }
    AtomicInteger next = new AtomicInteger();
    AtomicLong accepted = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong retries = new AtomicLong();
    long[] latencies = new long[requests];
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    long start = System.nanoTime();
    List<Future<?>> workers = new ArrayList<>();
    for (int w = 0; w < concurrency; w++) {
      workers.add(
          pool.submit(
              () -> {
                for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                  HttpRequest req =
                      HttpRequest.newBuilder(URI.create(url))
                          .timeout(Duration.ofSeconds(60))
                          .header("Authorization", "Bearer " + token)
                          .header("Content-Type", "application/x-ndjson")
                          .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get(i)))
                          .build();
                  long t0 = System.nanoTime();
                  HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
                  // Like a real client: a 429/503 is waited out (Retry-After) and the batch sent
                  // again, counted as a retry.
                  while ((resp.statusCode() == 429 || resp.statusCode() == 503)
                      && retries.incrementAndGet() < 1_000) {
                    Thread.sleep(
                        1000L
                            * resp.headers()
                                .firstValue("Retry-After")
                                .map(Long::parseLong)
                                .orElse(1L));
                    resp = http.send(req, HttpResponse.BodyHandlers.ofString());
                  }
                  latencies[i] = System.nanoTime() - t0;
                  Matcher m = ACCEPTED.matcher(resp.body());
                  if (resp.statusCode() == 202 && m.find()) {
                    accepted.addAndGet(Long.parseLong(m.group(1)));
                  } else {
                    failed.incrementAndGet();
                    System.err.println(
                        "request " + i + ": HTTP " + resp.statusCode() + " " + resp.body());
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : workers) {
      f.get();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    long[] sorted = latencies.clone();
    Arrays.sort(sorted);
    return new double[] {
      accepted.get() / seconds,
      percentile(sorted, 0.50) / 1e6,
      percentile(sorted, 0.99) / 1e6,
      requests,
      failed.get(),
      retries.get()
    };
  }

  private static byte[] body(String run, long firstTokens, int n) {
    StringBuilder sb = new StringBuilder(n * 300);
    for (int i = 0; i < n; i++) {
      long tokens = (firstTokens + i) * 1_000_000L;
      sb.append("{\"schema\":1,\"experiment\":\"load-exp\",\"run\":\"")
          .append(run)
          .append("\",\"ratio\":0.25,\"tokens\":")
          .append(tokens)
          .append(",\"step\":")
          .append(firstTokens + i)
          .append(",\"generalLoss\":")
          .append(2.3 + (i % 100) * 1e-4)
          .append(",\"domainLoss\":")
          .append(2.0 - (i % 100) * 1e-4)
          .append(",\"baseGeneralLoss\":2.3,\"baseDomainLoss\":2.2,\"budgetTokens\":20000000000")
          .append(",\"time\":\"2026-11-28T12:00:00Z\",\"eventId\":\"")
          .append(run)
          .append('/')
          .append(tokens)
          .append("\"}\n");
    }
    return sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Nearest-rank percentile of sorted values. */
  private static long percentile(long[] sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static double median(List<double[]> rows, int col) {
    double[] v = rows.stream().mapToDouble(r -> r[col]).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
}
