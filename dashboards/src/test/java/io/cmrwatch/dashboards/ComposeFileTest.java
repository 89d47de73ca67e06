package io.cmrwatch.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cmrwatch.kafka.topic.TopicNames;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml: valid for docker-compose, images pinned, builds from folders of the
 * repository, start order by health and not by sleeps, every topic created. No Docker engine runs
 * here, so the images are not built.
 */
class ComposeFileTest {

  private static final Set<String> CONDITIONS =
      Set.of("service_healthy", "service_completed_successfully");

  @Test
  void shouldPassDockerComposeConfig() {
    DebianTool.Result r =
        DebianTool.DOCKER_COMPOSE.run(
            RepoFiles.root(), 120, "-f", "docker-compose.yml", "config", "-q");
    assertThat(r.ok()).as("docker-compose config -q:%n%s", r.output()).isTrue();
  }

  @Test
  void shouldRunEveryPartOfTheDeployment() {
    assertThat(names(services()))
        .contains(
            "kafka",
            "kafka-init",
            "streams-app",
            "ingest",
            "simulator",
            "prometheus",
            "alertmanager",
            "grafana");
  }

  @Test
  void shouldPinEveryImageTag() {
    services()
        .fields()
        .forEachRemaining(
            e -> {
              String image = e.getValue().path("image").asText();
              assertThat(image).as("image of service %s", e.getKey()).isNotBlank();
              String tag = image.substring(image.lastIndexOf(':') + 1);
              assertThat(image).as("image of %s has a tag", e.getKey()).contains(":");
              assertThat(tag)
                  .as("tag of %s", e.getKey())
                  .isNotEqualTo("latest")
                  .matches(".*[0-9].*");
            });
  }

  @Test
  void shouldBuildOurImagesFromDockerfilesInTheRepository() {
    int builds = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = services().fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode build = e.getValue().path("build");
      if (build.isMissingNode()) {
        continue;
      }
      builds++;
      String context = build.isTextual() ? build.asText() : build.path("context").asText(".");
      Path dir = RepoFiles.root().resolve(context).normalize();
      assertThat(dir)
          .as("build folder of %s is inside the repository", e.getKey())
          .startsWith(RepoFiles.root());
      assertThat(dir).as("build folder of %s", e.getKey()).isDirectory();
      String dockerfile = build.path("dockerfile").asText("Dockerfile");
      assertThat(dir.resolve(dockerfile)).as("Dockerfile of %s", e.getKey()).isRegularFile();
    }
    assertThat(builds).as("services built from this repository").isGreaterThanOrEqualTo(3);
  }

  @Test
  void shouldStartInOrderOfHealthNotOfSleeps() {
    JsonNode services = services();
    services
        .fields()
        .forEachRemaining(
            e -> {
              JsonNode deps = e.getValue().path("depends_on");
              assertThat(deps.isArray())
                  .as("depends_on of %s names a condition for each dependency", e.getKey())
                  .isFalse();
              deps.fields()
                  .forEachRemaining(
                      d -> {
                        String condition = d.getValue().path("condition").asText();
                        assertThat(condition)
                            .as("condition of %s on %s", e.getKey(), d.getKey())
                            .isIn(CONDITIONS);
                        if (condition.equals("service_healthy")) {
                          assertThat(services.path(d.getKey()).has("healthcheck"))
                              .as(
                                  "%s waits for %s to be healthy, so it has a healthcheck",
                                  e.getKey(), d.getKey())
                              .isTrue();
                        }
                      });
              String restart = e.getValue().path("restart").asText("no");
              if (!restart.equals("no")) {
                assertThat(e.getValue().has("healthcheck"))
                    .as("long-running service %s has a healthcheck", e.getKey())
                    .isTrue();
              }
              String command =
                  e.getValue().path("command").toString() + e.getValue().path("entrypoint");
              assertThat(command)
                  .as("command of %s", e.getKey())
                  .doesNotContainPattern("\\bsleep\\b");
            });
  }

  @Test
  void shouldMountOnlyFilesThatExist() {
    int binds = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = services().fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      for (JsonNode v : e.getValue().path("volumes")) {
        String host =
            v.isTextual()
                ? v.asText().substring(0, v.asText().indexOf(':'))
                : v.path("source").asText();
        if (host.startsWith("/")) {
          binds++;
          assertThat(Path.of(host)).as("%s mounted into %s", host, e.getKey()).exists();
          assertThat(Path.of(host))
              .as("%s mounted into %s", host, e.getKey())
              .startsWith(RepoFiles.root());
        }
      }
    }
    assertThat(binds)
        .as("configuration folders mounted from the repository")
        .isGreaterThanOrEqualTo(4);
  }

  @Test
  void shouldRunKafkaInKraftModeWithAnInternalAndAHostListener() {
    JsonNode env = services().path("kafka").path("environment");
    assertThat(services().path("kafka").path("image").asText()).startsWith("apache/kafka:");
    assertThat(env.path("KAFKA_PROCESS_ROLES").asText()).contains("broker", "controller");
    assertThat(env.path("KAFKA_ADVERTISED_LISTENERS").asText())
        .contains("kafka:19092", "localhost:9092");
    for (String app : new String[] {"streams-app", "ingest", "simulator"}) {
      assertThat(services().path(app).path("command").toString())
          .as("bootstrap of %s", app)
          .contains("kafka:19092");
    }
  }

  @Test
  void shouldCreateEveryTopicOnceAndIdempotently() {
    JsonNode init = services().path("kafka-init");
    StringBuilder script = new StringBuilder();
    init.path("command").forEach(line -> script.append(line.asText()).append('\n'));
    assertThat(script).contains("--create", "--if-not-exists");
    Set<String> words = new HashSet<>(Arrays.asList(script.toString().split("[\\s\";\\\\]+")));
    for (String topic : TopicNames.defaults().all()) {
      assertThat(words).as("kafka-init creates %s", topic).contains(topic);
    }
    assertThat(init.path("restart").asText()).isEqualTo("no");
  }

  /**
   * The services as docker-compose resolves them (anchors merged, variables at their defaults,
   * paths absolute).
   */
  static JsonNode services() {
    return RepoFiles.composeConfig().path("services");
  }

  private static Set<String> names(JsonNode node) {
    Set<String> names = new TreeSet<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
