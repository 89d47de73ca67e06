package io.cmrwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code cmrwatch broker} prints a usable bootstrap address, runs until interrupted, and explains a
 * taken port.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BrokerCommandIT {

  private static final Pattern BOOTSTRAP_LINE =
      Pattern.compile(
          "cmrwatch broker: bootstrap (127\\.0\\.0\\.1:\\d+) \\(data dir (.+?)(, deleted on exit)?\\)");

  @Test
  void shouldSayWhatToDoWhenThePortIsTaken() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      StringWriter err = new StringWriter();
      CommandLine cli = Main.commandLine().setErr(new PrintWriter(err));

      int exit = cli.execute("broker", "--port", Integer.toString(taken.getLocalPort()));

      assertThat(exit).isEqualTo(1);
      assertThat(err.toString())
          .contains("127.0.0.1:" + taken.getLocalPort() + " is already in use")
          .contains("--port 0 for any free port");
    }
  }

  @Test
  void shouldServeClientsUntilInterruptedAndKeepTheGivenDataDir(@TempDir Path dataDir)
      throws Exception {
    StringWriter out = new StringWriter();
    CommandLine cli = Main.commandLine().setOut(new PrintWriter(out));
    ExecutorService runner = Executors.newSingleThreadExecutor();
    try {
      Future<Integer> exit =
          runner.submit(
              () -> cli.execute("broker", "--port", "0", "--data-dir", dataDir.toString()));
      await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> BOOTSTRAP_LINE.matcher(out.toString()).find());
      Matcher line = BOOTSTRAP_LINE.matcher(out.toString());
      assertThat(line.find()).isTrue();
      assertThat(Path.of(line.group(2))).isEqualTo(dataDir.toAbsolutePath());
      assertThat(line.group(3)).isNull();

      try (Admin admin =
          Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, line.group(1)))) {
        assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
      }

      runner.shutdownNow();
      assertThat(exit.get(60, TimeUnit.SECONDS)).isZero();
      assertThat(dataDir.resolve("kafka-logs/meta.properties")).exists();
    } finally {
      runner.shutdownNow();
    }
  }

  @Test
  void shouldStopCleanlyOnSigtermAndDeleteItsTemporaryDataDir() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path jar = Path.of("target", "cmrwatch.jar");
    assertThat(jar).as("the cli jar (built in the package phase)").exists();
    Process process =
        new ProcessBuilder(java.toString(), "-jar", jar.toString(), "broker", "--port", "0")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try (BufferedReader stdout =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String first =
          CompletableFuture.supplyAsync(() -> readLine(stdout)).get(90, TimeUnit.SECONDS);
      Matcher line = BOOTSTRAP_LINE.matcher(first);
      assertThat(line.matches()).as("first line: %s", first).isTrue();
      assertThat(line.group(3)).isEqualTo(", deleted on exit");
      Path dataDir = Path.of(line.group(2));
      assertThat(dataDir).isDirectory();

      process.destroy(); // SIGTERM: the shutdown hook stops the broker
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
      assertThat(dataDir).doesNotExist();
    } finally {
      process.destroyForcibly();
    }
  }

  private static String readLine(BufferedReader reader) {
    try {
      return reader.readLine();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
