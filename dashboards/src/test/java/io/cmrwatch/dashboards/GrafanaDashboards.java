package io.cmrwatch.dashboards;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The provisioned Grafana dashboards: their panels, the panels' queries and the template variables'
 * queries.
 */
final class GrafanaDashboards {

  /** One PromQL query of a dashboard: a panel target or a variable's query, and where it is. */
  record Query(Path file, String where, String expr, boolean variable) {}

  private GrafanaDashboards() {}

  /** Every panel of a dashboard, including panels nested in rows. */
  static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode p : dashboard.path("panels")) {
      out.add(p);
      for (JsonNode nested : p.path("panels")) {
        out.add(nested);
      }
    }
    return out;
  }

  /** The query of a template variable, whether stored as a string or as Grafana's query object. */
  static String variableQuery(JsonNode variable) {
    JsonNode q = variable.path("query");
    return q.isObject() ? q.path("query").asText() : q.asText();
  }

  /** Every query of every dashboard file. */
  static List<Query> queries() {
    List<Query> out = new ArrayList<>();
    for (Path file : RepoFiles.dashboardFiles()) {
      JsonNode dashboard = RepoFiles.readJson(file);
      for (JsonNode panel : panels(dashboard)) {
        for (JsonNode target : panel.path("targets")) {
          out.add(
              new Query(
                  file,
                  "panel \""
                      + panel.path("title").asText()
                      + "\" target "
                      + target.path("refId").asText(),
                  target.path("expr").asText(),
                  false));
        }
      }
      for (JsonNode v : dashboard.path("templating").path("list")) {
        if ("query".equals(v.path("type").asText())) {
          out.add(new Query(file, "variable $" + v.path("name").asText(), variableQuery(v), true));
        }
      }
    }
    return out;
  }
}
