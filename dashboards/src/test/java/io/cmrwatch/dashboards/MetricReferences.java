package io.cmrwatch.dashboards;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every metric name the dashboards and the rules use, with where each is used, sorted into: names
 * recording rules define, series Prometheus itself makes ({@code up}), and names a cmrwatch process
 * must export.
 */
final class MetricReferences {

  /** Series Prometheus makes itself for every target; no exporter has them. */
  static final Set<String> PROMETHEUS_SERIES = Set.of("up");

  /** The process that exports a metric, told by its name. */
  enum Exporter {
    STREAMS_APP,
    INGEST,
    TRAINER_AGENT;

    static Exporter of(String metric) {
      if (metric.startsWith("cmrwatch_ingest_")) {
        return INGEST;
      }
      if (metric.startsWith("cmrwatch_trainer_")) {
        return TRAINER_AGENT;
      }
      return STREAMS_APP;
    }
  }

  /** Labels Prometheus attaches at scrape time; no exporter has them. */
  static final Set<String> TARGET_LABELS = Set.of("job", "instance");

  private final Map<String, List<String>> uses = new TreeMap<>();
  private final Map<String, Map<String, List<String>>> labelUses = new TreeMap<>();
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
      PromQl.selectors(rule.expr()).forEach((name, labels) -> refs.add(name, labels, where));
    }
    for (GrafanaDashboards.Query q : GrafanaDashboards.queries()) {
      String where = RepoFiles.root().relativize(q.file()) + " " + q.where();
      if (q.variable()) {
        PromQl.variableQueryMetricNames(q.expr()).forEach(name -> refs.add(name, Set.of(), where));
      } else {
        PromQl.selectors(q.expr()).forEach((name, labels) -> refs.add(name, labels, where));
      }
    }
    return refs;
  }

  private void add(String name, Set<String> labels, String where) {
    uses.computeIfAbsent(name, k -> new ArrayList<>()).add(where);
    for (String label : labels) {
      labelUses
          .computeIfAbsent(name, k -> new TreeMap<>())
          .computeIfAbsent(label, k -> new ArrayList<>())
          .add(where);
    }
  }

  /** Every name used, with the places it is used. */
  Map<String, List<String>> uses() {
    return uses;
  }

  /**
   * Names that look like recording-rule outputs ({@code level:metric:operations}) or that a rule
   * records.
   */
  Map<String, List<String>> recordedNamesUsed() {
    Map<String, List<String>> out = new TreeMap<>();
    uses.forEach(
        (name, where) -> {
          if (name.contains(":") || recorded.contains(name)) {
            out.put(name, where);
          }
        });
    return out;
  }

  /** Names some cmrwatch process must export, for {@code exporter}. */
  Map<String, List<String>> exportedNamesUsed(Exporter exporter) {
    Map<String, List<String>> out = new TreeMap<>();
    uses.forEach(
        (name, where) -> {
          if (!name.contains(":")
              && !recorded.contains(name)
              && !PROMETHEUS_SERIES.contains(name)
              && Exporter.of(name) == exporter) {
            out.put(name, where);
          }
        });
    return out;
  }

  /**
   * For the names {@code exporter} must export, the labels their matchers test (target labels
   * excluded): name -> label -> where used.
   */
  Map<String, Map<String, List<String>>> exportedLabelsUsed(Exporter exporter) {
    Map<String, Map<String, List<String>>> out = new TreeMap<>();
    for (String name : exportedNamesUsed(exporter).keySet()) {
      labelUses
          .getOrDefault(name, Map.of())
          .forEach(
              (label, where) -> {
                if (!TARGET_LABELS.contains(label)) {
                  out.computeIfAbsent(name, k -> new TreeMap<>()).put(label, where);
                }
              });
    }
    return out;
  }

  Set<String> recorded() {
    return recorded;
  }
}
