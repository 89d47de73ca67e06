package io.cmrwatch.bench.hardening;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The product's own processes for the campaign, each a child JVM of {@code cmrwatch.jar} on
 * loopback ports: the broker, the ingest API, streams apps. Black-box on purpose: they are started,
 * killed with SIGKILL and queried only as an operator would, so the checks hold whatever the app's
 * insides look like.
 */
final class Services implements AutoCloseable {

  /** One child process and the files its output goes to. */
  static final class Service {
    final String name;
    final Process process;
    final Path out;

    Service(String name, Process process, Path out) {
      this.name = name;
      this.process = process;
      this.out = out;
    }

    /** Peak resident set size so far (VmHWM), in bytes; -1 once the process is gone. */
    long peakRss() {
      return statusBytes("VmHWM:");
    }

    long statusBytes(String field) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
          if (line.startsWith(field)) {
            return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
          }
        }
      } catch (IOException | NumberFormatException e) {
        return -1;
      }
      return -1;
    }

    /** SIGKILL, and waits for the process to be gone. */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor();
    }
  }

  private final Path jar;
  private final Path work;
  private final List<Service> all = new ArrayList<>();
  private int serial;

  Services(Path jar, Path work) {
    this.jar = jar;
    this.work = work;
  }

  Path work() {
    return work;
  }

  /** Starts {@code cmrwatch args...} with {@code javaOpts}; output to a file of its own. */
  Service start(String name, List<String> javaOpts, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(javaOpts);
    cmd.add("-Dai.djl.offline=true");
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(args);
    Path out = work.resolve(name + "-" + (++serial) + ".log");
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    Service s = new Service(name, p, out);
    all.add(s);
    return s;
  }

  /** Waits for a line of {@code s}'s output matching {@code pattern}; returns group 1. */
  static String await(Service s, Pattern pattern, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(s.out)) {
        Matcher m = pattern.matcher(Files.readString(s.out, StandardCharsets.UTF_8));
        if (m.find()) {
          return m.group(1);
        }
      }
      if (!s.process.isAlive()) {
        throw new IllegalStateException(
            s.name + " exited with " + s.process.exitValue() + ":\n" + tail(s.out));
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(
        s.name
            + " printed no line matching "
            + pattern
            + " within "
            + timeout
            + ":\n"
            + tail(s.out));
  }

  static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  /**
   * {@code cmrwatch broker} on {@code port} (0 = any); returns it, its bootstrap in {@code [0]}.
   */
  Service broker(int port, Path dataDir, String[] bootstrap) throws Exception {
    Service b =
        start(
            "broker",
            List.of("-Xmx768m"),
            List.of("broker", "--port", Integer.toString(port), "--data-dir", dataDir.toString()));
    bootstrap[0] = await(b, Pattern.compile("bootstrap ([0-9.]+:[0-9]+)"), Duration.ofSeconds(180));
    return b;
  }

  /** {@code cmrwatch ingest serve}; returns it, its URL in {@code [0]}. */
  Service ingest(String bootstrap, Path tokens, List<String> extra, String[] url) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "ingest",
                "serve",
                "--bootstrap",
                bootstrap,
                "--port",
                "0",
                "--tokens-file",
                tokens.toString()));
    args.addAll(extra);
    Service s = start("ingest", List.of("-Xmx256m"), args);
    url[0] =
        await(s, Pattern.compile("ingest: (http://[0-9.:]+)/v1/events"), Duration.ofSeconds(180));
    return s;
  }

  /** {@code cmrwatch streams} with a config file; returns it, its URL in {@code [0]}. */
  Service streams(String bootstrap, Path config, String[] url) throws Exception {
    Service s =
        start(
            "streams",
            List.of("-Xmx512m"),
            List.of(
                "streams",
                "--bootstrap",
                bootstrap,
                "--http-port",
                "0",
                "--config",
                config.toString()));
    url[0] = await(s, Pattern.compile("HTTP (http://[0-9.:]+)/"), Duration.ofSeconds(180));
    return s;
  }

  /** SIGKILLs the most recently started service named {@code name}, if it runs. */
  void killLast(String name) throws InterruptedException {
    for (int i = all.size() - 1; i >= 0; i--) {
      if (all.get(i).name.equals(name)) {
        all.get(i).kill();
        return;
      }
    }
  }

  @Override
  public void close() {
    for (Service s : all) {
      s.process.destroy();
    }
    for (Service s : all) {
      try {
        if (!s.process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
          s.process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        s.process.destroyForcibly();
      }
    }
  }
}
