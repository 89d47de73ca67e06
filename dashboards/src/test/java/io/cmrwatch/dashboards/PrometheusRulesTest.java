package io.cmrwatch.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The alert and recording rules: promtool's checks and unit tests, and what every alert must carry.
 */
class PrometheusRulesTest {

  private static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");

  @Test
  void shouldPassPromtoolCheckRulesForEveryRuleFile() {
    assertThat(RepoFiles.ruleFiles()).hasSizeGreaterThanOrEqualTo(2);
    for (Path file : RepoFiles.ruleFiles()) {
      DebianTool.Result r =
          DebianTool.PROMTOOL.run(file.getParent(), 60, "check", "rules", file.toString());
      assertThat(r.ok()).as("promtool check rules %s:%n%s", file, r.output()).isTrue();
    }
  }

  @Test
  void shouldPassEveryPromtoolUnitTest() {
    assertThat(RepoFiles.ruleTestFiles()).isNotEmpty();
    for (Path file : RepoFiles.ruleTestFiles()) {
      DebianTool.Result r =
          DebianTool.PROMTOOL.run(file.getParent(), 120, "test", "rules", file.toString());
      assertThat(r.ok()).as("promtool test rules %s:%n%s", file, r.output()).isTrue();
      assertThat(r.output()).contains("SUCCESS");
    }
  }

  @Test
  void shouldDefineTheAlertsTheDeploymentPromises() {
    Set<String> names = new TreeSet<>();
    RuleSet.load().alerts().forEach(a -> names.add(a.alert()));
    assertThat(names)
        .contains(
            "CmrwatchForgettingObserved",
            "CmrwatchForgettingPredicted",
            "CmrwatchRatioAboveCmr",
            "CmrwatchRunPredictedInfeasible",
            "CmrwatchRunStalled",
            "CmrwatchCmrEstimateUnstable",
            "CmrwatchDlqRecordsArriving",
            "CmrwatchPipelineLag");
  }

  @Test
  void shouldGiveEveryAlertASeveritySummaryDescriptionAndRunbook() {
    List<RuleSet.Rule> alerts = RuleSet.load().alerts();
    assertThat(alerts).isNotEmpty();
    for (RuleSet.Rule a : alerts) {
      assertThat(a.labels().get("severity")).as("severity of %s", a.alert()).isIn(SEVERITIES);
      assertThat(a.annotations())
          .as("annotations of %s", a.alert())
          .containsKeys("summary", "description", "runbook_url");
      assertThat(a.annotations().get("summary")).as("summary of %s", a.alert()).isNotBlank();
      assertThat(a.annotations().get("description"))
          .as("description of %s", a.alert())
          .isNotBlank();
      assertThat(a.annotations().get("runbook_url"))
          .as("runbook_url of %s", a.alert())
          .startsWith("docs/operations.md#runbook-");
    }
  }

  @Test
  void shouldPointEveryRunbookUrlAtAHeadingOfTheOperationsGuide() {
    Set<String> anchors = Markdown.anchors(RepoFiles.readString(RepoFiles.operationsDoc()));
    Set<String> urls = new HashSet<>();
    for (RuleSet.Rule a : RuleSet.load().alerts()) {
      String url = a.annotations().get("runbook_url");
      String anchor = url.substring(url.indexOf('#') + 1);
      assertThat(anchors)
          .as("docs/operations.md heading for %s (runbook_url %s)", a.alert(), url)
          .contains(anchor);
      assertThat(urls.add(url))
          .as("runbook_url of %s is shared with another alert", a.alert())
          .isTrue();
    }
  }

  @Test
  void shouldTestEveryAlertBothFiringAndNotFiring() {
    Map<String, Integer> firing = new HashMap<>();
    Map<String, Integer> silent = new HashMap<>();
    Set<Path> testedRuleFiles = new HashSet<>();
    for (Path file : RepoFiles.ruleTestFiles()) {
      JsonNode tests = RepoFiles.readYaml(file);
      for (JsonNode ruleFile : tests.path("rule_files")) {
        testedRuleFiles.add(file.getParent().resolve(ruleFile.asText()).normalize());
      }
      for (JsonNode test : tests.path("tests")) {
        for (JsonNode case_ : test.path("alert_rule_test")) {
          String name = case_.path("alertname").asText();
          (case_.path("exp_alerts").isEmpty() ? silent : firing).merge(name, 1, Integer::sum);
        }
      }
    }
    for (RuleSet.Rule a : RuleSet.load().alerts()) {
      assertThat(firing).as("a promtool case where %s fires", a.alert()).containsKey(a.alert());
      assertThat(silent)
          .as("a promtool case where %s does not fire", a.alert())
          .containsKey(a.alert());
    }
    for (Path ruleFile : RepoFiles.ruleFiles()) {
      assertThat(testedRuleFiles)
          .as("a promtool test file loading %s", ruleFile)
          .contains(ruleFile.normalize());
    }
  }

  @Test
  void shouldDefineEveryRecordedNameThatRulesAndPanelsUse() {
    MetricReferences refs = MetricReferences.load();
    refs.recordedNamesUsed()
        .forEach(
            (name, where) ->
                assertThat(refs.recorded())
                    .as("recording rule for %s (used by %s)", name, where)
                    .contains(name));
  }
}
