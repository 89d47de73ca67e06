package io.cmrwatch.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provisioned Grafana dashboards: well-formed, on the provisioned datasource, with stable
 * unique uids.
 */
class GrafanaDashboardsTest {

  private static final Pattern VARIABLE_USE = Pattern.compile("\\$\\{?([a-zA-Z_][a-zA-Z0-9_]*)");

  @Test
  void shouldProvisionOnePrometheusDatasourceWithAFixedUid() {
    JsonNode ds = datasource();
    assertThat(ds.path("type").asText()).isEqualTo("prometheus");
    assertThat(ds.path("uid").asText()).isEqualTo("cmrwatch-prometheus");
    assertThat(ds.path("url").asText()).isEqualTo("http://prometheus:9090");
  }

  @Test
  void shouldParseEveryDashboardWithAUniqueStableUidAndTitle() {
    List<Path> files = RepoFiles.dashboardFiles();
    assertThat(files).hasSize(3);
    Set<String> uids = new HashSet<>();
    Set<String> titles = new HashSet<>();
    for (Path file : files) {
      JsonNode d = RepoFiles.readJson(file);
      assertThat(d.isObject()).as("%s is a JSON object", file).isTrue();
      String uid = d.path("uid").asText();
      assertThat(uid).as("uid of %s", file).matches("[a-z0-9-]{1,40}");
      assertThat(uids.add(uid)).as("uid %s of %s is unique", uid, file).isTrue();
      assertThat(titles.add(d.path("title").asText())).as("title of %s is unique", file).isTrue();
      assertThat(d.path("id").isMissingNode() || d.path("id").isNull())
          .as(
              "%s has no numeric id (Grafana assigns it; a fixed one clashes across instances)",
              file)
          .isTrue();
      assertThat(GrafanaDashboards.panels(d)).as("panels of %s", file).isNotEmpty();
    }
    assertThat(uids)
        .containsExactlyInAnyOrder(
            "cmrwatch-cmr-convergence", "cmrwatch-cpt-runs", "cmrwatch-pipeline-health");
  }

  @Test
  void shouldPutEveryPanelTargetAndVariableOnTheProvisionedDatasource() {
    String uid = datasource().path("uid").asText();
    for (Path file : RepoFiles.dashboardFiles()) {
      JsonNode d = RepoFiles.readJson(file);
      Set<Integer> ids = new HashSet<>();
      for (JsonNode panel : GrafanaDashboards.panels(d)) {
        String title = file.getFileName() + " panel \"" + panel.path("title").asText() + "\"";
        assertThat(ids.add(panel.path("id").asInt())).as("%s has a unique id", title).isTrue();
        assertThat(panel.path("datasource").path("uid").asText())
            .as("datasource of %s", title)
            .isEqualTo(uid);
        assertThat(panel.path("datasource").path("type").asText())
            .as("datasource type of %s", title)
            .isEqualTo("prometheus");
        assertThat(panel.path("targets")).as("targets of %s", title).isNotEmpty();
        Set<String> refIds = new HashSet<>();
        for (JsonNode target : panel.path("targets")) {
          assertThat(target.path("datasource").path("uid").asText())
              .as("datasource of a target of %s", title)
              .isEqualTo(uid);
          assertThat(target.path("expr").asText()).as("expr of a target of %s", title).isNotBlank();
          assertThat(refIds.add(target.path("refId").asText()))
              .as("refIds of %s are unique", title)
              .isTrue();
        }
      }
      for (JsonNode v : d.path("templating").path("list")) {
        if ("query".equals(v.path("type").asText())) {
          assertThat(v.path("datasource").path("uid").asText())
              .as("datasource of variable %s in %s", v.path("name").asText(), file.getFileName())
              .isEqualTo(uid);
        }
      }
    }
  }

  @Test
  void shouldOfferExperimentAndRunVariablesFromLabelValues() {
    Map<String, List<String>> varsByUid = new HashMap<>();
    for (Path file : RepoFiles.dashboardFiles()) {
      JsonNode d = RepoFiles.readJson(file);
      List<String> names = new ArrayList<>();
      for (JsonNode v : d.path("templating").path("list")) {
        names.add(v.path("name").asText());
        assertThat(GrafanaDashboards.variableQuery(v))
            .as("query of variable %s", v.path("name").asText())
            .startsWith("label_values(");
      }
      varsByUid.put(d.path("uid").asText(), names);
    }
    assertThat(varsByUid.get("cmrwatch-cmr-convergence")).contains("experiment");
    assertThat(varsByUid.get("cmrwatch-cpt-runs")).contains("experiment", "run");
  }

  @Test
  void shouldUseOnlyDefinedVariables() {
    Set<String> builtIn =
        Set.of("__rate_interval", "__interval", "__range", "__interval_ms", "__range_s");
    for (Path file : RepoFiles.dashboardFiles()) {
      JsonNode d = RepoFiles.readJson(file);
      Set<String> defined = new HashSet<>(builtIn);
      d.path("templating").path("list").forEach(v -> defined.add(v.path("name").asText()));
      for (JsonNode panel : GrafanaDashboards.panels(d)) {
        List<String> texts = new ArrayList<>(List.of(panel.path("title").asText()));
        panel.path("targets").forEach(t -> texts.add(t.path("expr").asText()));
        for (String text : texts) {
          Matcher m = VARIABLE_USE.matcher(text);
          while (m.find()) {
            assertThat(defined)
                .as(
                    "variable $%s used in \"%s\" of %s",
                    m.group(1), panel.path("title").asText(), file.getFileName())
                .contains(m.group(1));
          }
        }
        if (!panel.path("repeat").asText().isEmpty()) {
          assertThat(defined)
              .as("repeat variable of %s", panel.path("title").asText())
              .contains(panel.path("repeat").asText());
        }
      }
    }
  }

  @Test
  void shouldParseEveryQueryAsPromQl(@TempDir Path tmp) throws IOException {
    // promtool parses PromQL only inside rules, so every query becomes a recording rule of a
    // throw-away file.
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard-queries\n    rules:\n");
    List<GrafanaDashboards.Query> queries = GrafanaDashboards.queries();
    for (int i = 0; i < queries.size(); i++) {
      GrafanaDashboards.Query q = queries.get(i);
      String expr = q.variable() ? selectorOf(q.expr()) : q.expr();
      if (expr == null) {
        continue;
      }
      rules
          .append("      # ")
          .append(q.file().getFileName())
          .append(' ')
          .append(q.where().replace('\n', ' '))
          .append("\n      - record: dashboard_query_")
          .append(i)
          .append("\n        expr: ")
          .append(RepoFiles.JSON.writeValueAsString(PromQl.withoutGrafanaVariables(expr)))
          .append('\n');
    }
    Path file = tmp.resolve("dashboard-queries.yml");
    Files.writeString(file, rules);
    DebianTool.Result r = DebianTool.PROMTOOL.run(tmp, 60, "check", "rules", file.toString());
    assertThat(r.ok())
        .as("promtool parses every dashboard query:%n%s%n%s", r.output(), rules)
        .isTrue();
  }

  @Test
  void shouldProvisionDashboardsFromTheFolderComposeMounts() {
    JsonNode provider =
        RepoFiles.readYaml(RepoFiles.grafanaDir().resolve("provisioning/dashboards/cmrwatch.yml"))
            .path("providers")
            .path(0);
    assertThat(provider.path("type").asText()).isEqualTo("file");
    String path = provider.path("options").path("path").asText();
    List<String> volumes = new ArrayList<>();
    ComposeFileTest.services()
        .path("grafana")
        .path("volumes")
        .forEach(v -> volumes.add(v.asText()));
    assertThat(volumes)
        .contains(
            RepoFiles.grafanaDir().resolve("dashboards") + ":" + path + ":ro",
            RepoFiles.grafanaDir().resolve("provisioning") + ":/etc/grafana/provisioning:ro");
  }

  private static JsonNode datasource() {
    JsonNode list =
        RepoFiles.readYaml(
                RepoFiles.grafanaDir().resolve("provisioning/datasources/prometheus.yml"))
            .path("datasources");
    assertThat(list).hasSize(1);
    return list.get(0);
  }

  /**
   * The PromQL inside a variable query (label_values' selector, query_result's expression), or
   * null.
   */
  private static String selectorOf(String query) {
    Set<String> names = PromQl.variableQueryMetricNames(query);
    if (names.isEmpty()) {
      return null;
    }
    String q = query.trim();
    if (q.startsWith("query_result(")) {
      return q.substring("query_result(".length(), q.length() - 1);
    }
    String args = q.substring("label_values(".length(), q.length() - 1);
    return args.substring(0, args.lastIndexOf(','));
  }
}
