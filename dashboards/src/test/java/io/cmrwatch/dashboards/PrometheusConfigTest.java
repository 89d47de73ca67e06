package io.cmrwatch.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Prometheus configuration of the compose deployment. */
class PrometheusConfigTest {

  private static final Path CONFIG = RepoFiles.prometheusDir().resolve("prometheus.yml");

  @Test
  void shouldPassPromtoolCheckConfigAndLoadEveryRuleFile() {
    DebianTool.Result r =
        DebianTool.PROMTOOL.run(CONFIG.getParent(), 60, "check", "config", CONFIG.toString());
    assertThat(r.ok()).as("promtool check config:%n%s", r.output()).isTrue();
    assertThat(r.output())
        .contains("SUCCESS: " + RepoFiles.ruleFiles().size() + " rule files found");
  }

  @Test
  void shouldScrapeEveryCmrwatchProcessUnderAJobTheTargetDownAlertWatches() {
    Map<String, JsonNode> jobs = new HashMap<>();
    for (JsonNode job : RepoFiles.readYaml(CONFIG).path("scrape_configs")) {
      jobs.put(job.path("job_name").asText(), job);
    }
    assertThat(jobs).containsKeys("cmrwatch-streams", "cmrwatch-ingest", "cmrwatch-trainer");
    assertThat(targets(jobs.get("cmrwatch-streams"))).isEqualTo("streams-app:8080");
    assertThat(targets(jobs.get("cmrwatch-ingest"))).isEqualTo("ingest:8090");
    assertThat(
            jobs.get("cmrwatch-trainer")
                .path("dns_sd_configs")
                .path(0)
                .path("names")
                .path(0)
                .asText())
        .isEqualTo("trainer-agent");
  }

  @Test
  void shouldSendAlertsToTheComposeAlertmanager() {
    JsonNode am = RepoFiles.readYaml(CONFIG).path("alerting").path("alertmanagers").path(0);
    assertThat(am.path("static_configs").path(0).path("targets").path(0).asText())
        .isEqualTo("alertmanager:9093");
    assertThat(ComposeFileTest.services().has("alertmanager")).isTrue();
  }

  private static String targets(JsonNode job) {
    return job.path("static_configs").path(0).path("targets").path(0).asText();
  }
}
