package io.cmrwatch.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The Alertmanager configuration: valid, and routing every severity the rules use to its own
 * receiver.
 */
class AlertmanagerConfigTest {

  private static final Path CONFIG = RepoFiles.alertmanagerConfig();
  private static final Map<String, String> RECEIVER_BY_SEVERITY =
      Map.of("critical", "oncall", "warning", "team", "info", "dashboard-only");

  @Test
  void shouldPassAmtoolCheckConfig() {
    DebianTool.Result r =
        DebianTool.AMTOOL.run(CONFIG.getParent(), 60, "check-config", CONFIG.toString());
    assertThat(r.ok()).as("amtool check-config:%n%s", r.output()).isTrue();
    assertThat(r.output()).contains("SUCCESS");
  }

  @Test
  void shouldRouteEverySeverityTheRulesUseToItsReceiver() {
    TreeSet<String> used = new TreeSet<>();
    RuleSet.load().alerts().forEach(a -> used.add(a.labels().get("severity")));
    assertThat(RECEIVER_BY_SEVERITY).containsKeys(used.toArray(String[]::new));
    for (String severity : used) {
      DebianTool.Result r =
          DebianTool.AMTOOL.run(
              CONFIG.getParent(),
              60,
              "config",
              "routes",
              "test",
              "--config.file=" + CONFIG,
              "alertname=Any",
              "severity=" + severity);
      assertThat(r.ok())
          .as("amtool config routes test severity=%s:%n%s", severity, r.output())
          .isTrue();
      assertThat(
              r.output().lines().filter(l -> !l.startsWith("Warning")).map(String::trim).toList())
          .as("receiver of severity=%s", severity)
          .containsExactly(RECEIVER_BY_SEVERITY.get(severity));
    }
  }
}
