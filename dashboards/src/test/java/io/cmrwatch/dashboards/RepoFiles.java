package io.cmrwatch.dashboards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The deployment files under test, located from the module directory (Maven runs tests with the
 * module as working directory and sets {@code basedir}), and read as JSON trees.
 */
final class RepoFiles {

  static final ObjectMapper JSON = new ObjectMapper();
  static final YAMLMapper YAML = new YAMLMapper();

  private RepoFiles() {}

  /** The dashboards module folder. */
  static Path module() {
    return Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
        .toAbsolutePath()
        .normalize();
  }

  /** The repository root (the parent of the dashboards module). */
  static Path root() {
    return module().getParent();
  }

  static Path prometheusDir() {
    return module().resolve("prometheus");
  }

  static Path alertmanagerConfig() {
    return module().resolve("alertmanager/alertmanager.yml");
  }

  static Path grafanaDir() {
    return module().resolve("grafana");
  }

  static Path composeFile() {
    return root().resolve("docker-compose.yml");
  }

  static Path readme() {
    return root().resolve("README.md");
  }

  /** The operations guide, which holds the alerts' runbooks. */
  static Path operationsDoc() {
    return root().resolve("docs/operations.md");
  }

  /** README.md and every Markdown file under docs/. */
  static List<Path> docFiles() {
    List<Path> files = new ArrayList<>();
    files.add(readme());
    files.addAll(list(root().resolve("docs"), ".md"));
    return files;
  }

  /** Every alert and recording rule file (what prometheus.yml loads). */
  static List<Path> ruleFiles() {
    return list(prometheusDir().resolve("rules"), ".yml");
  }

  /** Every promtool unit-test file. */
  static List<Path> ruleTestFiles() {
    return list(prometheusDir().resolve("tests"), ".test.yml");
  }

  /** Every Grafana dashboard. */
  static List<Path> dashboardFiles() {
    return list(grafanaDir().resolve("dashboards"), ".json");
  }

  /** The files in {@code dir} whose name ends with {@code suffix}, sorted. */
  static List<Path> list(Path dir, String suffix) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  static JsonNode readYaml(Path file) {
    try {
      return YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read YAML " + file, e);
    }
  }

  private static JsonNode composeConfig;

  /**
   * docker-compose.yml as {@code docker-compose config} resolves it (anchors merged, defaults
   * applied); cached.
   */
  static synchronized JsonNode composeConfig() {
    if (composeConfig == null) {
      composeConfig = resolveComposeConfig();
    }
    return composeConfig;
  }

  private static JsonNode resolveComposeConfig() {
    DebianTool.Result r =
        DebianTool.DOCKER_COMPOSE.run(root(), 120, "-f", "docker-compose.yml", "config");
    if (!r.ok()) {
      throw new AssertionError("docker-compose config failed:\n" + r.output());
    }
    try {
      return YAML.readTree(r.output());
    } catch (IOException e) {
      throw new AssertionError("docker-compose config printed no YAML:\n" + r.output(), e);
    }
  }

  static JsonNode readJson(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read JSON " + file, e);
    }
  }

  static String readString(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
