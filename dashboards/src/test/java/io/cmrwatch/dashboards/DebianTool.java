package io.cmrwatch.dashboards;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A command-line tool from a Debian package (promtool, amtool, docker-compose, prometheus), found
 * on the PATH. When it is missing, the test fails and says which package to install; CI installs
 * them all (.ci/run).
 */
enum DebianTool {
  PROMTOOL("promtool", "prometheus"),
  PROMETHEUS("prometheus", "prometheus"),
  AMTOOL("amtool", "prometheus-alertmanager"),
  DOCKER_COMPOSE("docker-compose", "docker-compose");

  private final String command;
  private final String debianPackage;

  DebianTool(String command, String debianPackage) {
    this.command = command;
    this.debianPackage = debianPackage;
  }

  /** The output and exit code of one finished run. */
  record Result(int exitCode, String output) {
    boolean ok() {
      return exitCode == 0;
    }
  }

  /** The executable, or an AssertionError naming the Debian package that provides it. */
  Path executable() {
    List<String> dirs =
        new ArrayList<>(
            List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
    dirs.add("/usr/bin");
    dirs.add("/usr/sbin");
    for (String dir : dirs) {
      if (dir.isBlank()) {
        continue;
      }
      Path candidate = Path.of(dir, command);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new AssertionError(
        command
            + " is not installed: install Debian's "
            + debianPackage
            + " package (sudo apt-get install "
            + debianPackage
            + "; .ci/run installs it for CI)");
  }

  /**
   * Runs the tool with {@code args} in {@code workDir}, output and errors merged, within {@code
   * timeoutSeconds}.
   */
  Result run(Path workDir, long timeoutSeconds, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(executable().toString());
    cmd.addAll(List.of(args));
    try {
      Process process =
          new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true).start();
      process.getOutputStream().close();
      // Read on another thread so a chatty tool cannot block on a full pipe while we wait for it.
      StringBuilder out = new StringBuilder();
      Thread reader =
          new Thread(() -> out.append(readAll(process.getInputStream())), command + "-output");
      reader.start();
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(
            command + " did not finish within " + timeoutSeconds + " s: " + cmd);
      }
      reader.join(TimeUnit.SECONDS.toMillis(10));
      return new Result(process.exitValue(), out.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + cmd, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while running " + cmd, e);
    }
  }

  private static String readAll(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(output unreadable: " + e.getMessage() + ")";
    }
  }
}
