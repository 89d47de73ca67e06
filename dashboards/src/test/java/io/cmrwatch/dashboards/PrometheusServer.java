package io.cmrwatch.dashboards;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code prometheus} binary as a child process for integration tests: on 127.0.0.1 and a
 * free port, with its storage in a temporary folder, scraping the given targets every second and
 * evaluating the project's rule files. Stopped by its process handle.
 */
final class PrometheusServer implements AutoCloseable {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Process process;
  private final String url;
  private final Path log;

  private PrometheusServer(Process process, String url, Path log) {
    this.process = process;
    this.url = url;
    this.log = log;
  }

  /**
   * Starts Prometheus in {@code dir} scraping {@code targets} ({@code job -> host:port}) and
   * loading {@code ruleFiles}; returns once it answers {@code /-/ready}.
   */
  static PrometheusServer start(Path dir, Map<String, String> targets, List<Path> ruleFiles)
      throws IOException, InterruptedException {
    int port = freePort();
    StringBuilder config =
        new StringBuilder()
            .append(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n")
            .append("rule_files:\n");
    for (Path rules : ruleFiles) {
      config
          .append("  - ")
          .append(RepoFiles.JSON.writeValueAsString(rules.toAbsolutePath().toString()))
          .append('\n');
    }
    config.append("scrape_configs:\n");
    targets.forEach(
        (job, target) ->
            config
                .append("  - job_name: ")
                .append(job)
                .append('\n')
                .append("    static_configs:\n      - targets: [\"")
                .append(target)
                .append("\"]\n"));
    Path configFile = dir.resolve("prometheus.yml");
    Files.writeString(configFile, config);
    Path storage = Files.createDirectories(dir.resolve("data"));
    Path log = dir.resolve("prometheus.log");
    Process process =
        new ProcessBuilder(
                DebianTool.PROMETHEUS.executable().toString(),
                "--config.file=" + configFile,
                "--storage.tsdb.path=" + storage,
                "--web.listen-address=127.0.0.1:" + port,
                "--storage.tsdb.retention.time=1h")
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    PrometheusServer server = new PrometheusServer(process, "http://127.0.0.1:" + port, log);
    try {
      server.awaitReady(Duration.ofSeconds(60));
    } catch (RuntimeException | Error e) {
      server.close();
      throw e;
    }
    return server;
  }

  private void awaitReady(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      if (!process.isAlive()) {
        throw new AssertionError("prometheus exited with " + process.exitValue() + ":\n" + log());
      }
      try {
        HttpResponse<String> r =
            HTTP.send(
                HttpRequest.newBuilder(URI.create(url + "/-/ready"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError("prometheus was not ready within " + timeout + ":\n" + log());
  }

  /** The result of an instant query: the {@code data.result} array of the HTTP API's answer. */
  JsonNode query(String promql) throws IOException, InterruptedException {
    JsonNode body = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    if (!"success".equals(body.path("status").asText())) {
      throw new AssertionError("query " + promql + " failed: " + body);
    }
    return body.path("data").path("result");
  }

  /** GET {@code path} of the HTTP API as JSON. */
  JsonNode get(String path) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    return RepoFiles.JSON.readTree(r.body());
  }

  String url() {
    return url;
  }

  /** What Prometheus logged so far (for failure messages). */
  String log() {
    try {
      return Files.exists(log) ? Files.readString(log) : "(no log)";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
