package io.cmrwatch.dashboards;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every metric name the dashboards and the rules use, with where each is used, sorted into: names recording rules
 * define, series Prometheus itself makes ({@code up}), and names a cmrwatch process must export.
 */
final class MetricReferences {

  /** Series Prometheus makes itself for every target; no exporter has them. */
  static final Set<String> PROMETHEUS_SERIES = Set.of("up");

  /** The process that exports a metric, told by its name. */
  enum Exporter {
    STREAMS_APP, INGEST, TRAINER_AGENT;

    static Exporter of(String metric) {
      if (metric.startsWith("ingest_")) {
        return INGEST;
      }
      if (metric.startsWith("cmrwatch_trainer_")) {
        return TRAINER_AGENT;
      }
      return STREAMS_APP;
    }
  }

  private final Map<String, List<String>> uses = new TreeMap<>();
  private final Set<String> recorded;

  private MetricReferences(Set<String> recorded) {
    this.recorded = recorded;
  }

  /** The references of the current dashboards and rule files. */
  static MetricReferences load() {
    RuleSet rules = RuleSet.load();
    MetricReferences refs = new MetricReferences(rules.recordedNames());
    for (RuleSet.Rule rule : rules.all()) {
      String where = RepoFiles.root().relativize(rule.file()) + " rule " + rule.name();
      PromQl.metricNames(rule.expr()).forEach(name -> refs.add(name, where));
    }
    for (GrafanaDashboards.Query q : GrafanaDashboards.queries()) {
      String where = RepoFiles.root().relativize(q.file()) + " " + q.where();
      Set<String> names = q.variable() ? PromQl.variableQueryMetricNames(q.expr()) : PromQl.metricNames(q.expr());
      names.forEach(name -> refs.add(name, where));
    }
    return refs;
  }

  private void add(String name, String where) {
    uses.computeIfAbsent(name, k -> new ArrayList<>()).add(where);
  }

  /** Every name used, with the places it is used. */
  Map<String, List<String>> uses() {
    return uses;
  }

  /** Names that look like recording-rule outputs ({@code level:metric:operations}) or that a rule records. */
  Map<String, List<String>> recordedNamesUsed() {
    Map<String, List<String>> out = new TreeMap<>();
    uses.forEach((name, where) -> {
      if (name.contains(":") || recorded.contains(name)) {
        out.put(name, where);
      }
    });
    return out;
  }

  /** Names some cmrwatch process must export, for {@code exporter}. */
  Map<String, List<String>> exportedNamesUsed(Exporter exporter) {
    Map<String, List<String>> out = new TreeMap<>();
    uses.forEach((name, where) -> {
      if (!name.contains(":") && !recorded.contains(name) && !PROMETHEUS_SERIES.contains(name)
          && Exporter.of(name) == exporter) {
        out.put(name, where);
      }
    });
    return out;
  }

  Set<String> recorded() {
    return recorded;
  }
}
