package io.cmrwatch.dashboards;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The alert and recording rules of every rule file, as written. */
final class RuleSet {

  /** One rule: an alert ({@code alert} set) or a recording rule ({@code record} set). */
  record Rule(
      Path file,
      String alert,
      String record,
      String expr,
      Map<String, String> labels,
      Map<String, String> annotations) {
    boolean isAlert() {
      return alert != null;
    }

    String name() {
      return isAlert() ? alert : record;
    }
  }

  private final List<Rule> rules;

  private RuleSet(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /** The rules of every file in {@code dashboards/prometheus/rules}. */
  static RuleSet load() {
    List<Rule> rules = new ArrayList<>();
    for (Path file : RepoFiles.ruleFiles()) {
      for (JsonNode group : RepoFiles.readYaml(file).path("groups")) {
        for (JsonNode r : group.path("rules")) {
          rules.add(
              new Rule(
                  file,
                  text(r, "alert"),
                  text(r, "record"),
                  r.path("expr").asText(),
                  strings(r.path("labels")),
                  strings(r.path("annotations"))));
        }
      }
    }
    return new RuleSet(rules);
  }

  List<Rule> all() {
    return rules;
  }

  List<Rule> alerts() {
    return rules.stream().filter(Rule::isAlert).toList();
  }

  /** The names recording rules define (the outputs other rules and panels may use). */
  Set<String> recordedNames() {
    Set<String> names = new TreeSet<>();
    rules.stream().filter(r -> !r.isAlert()).forEach(r -> names.add(r.record()));
    return names;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static Map<String, String> strings(JsonNode node) {
    Map<String, String> map = new LinkedHashMap<>();
    node.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
    return map;
  }
}
