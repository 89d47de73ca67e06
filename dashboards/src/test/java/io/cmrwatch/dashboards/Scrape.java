package io.cmrwatch.dashboards;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Prometheus text exposition fetched from a {@code /metrics} endpoint, and the sample names it
 * holds.
 */
record Scrape(String text) {

  // A label name at the start of the block or after a comma: name="value" (values may contain
  // anything escaped).
  private static final Pattern LABEL =
      Pattern.compile("[{,]([a-zA-Z_][a-zA-Z0-9_]*)=\"(?:[^\"\\\\]|\\\\.)*\"");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** GETs {@code url} (expects 200). */
  static Scrape of(String url) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new AssertionError("GET " + url + " answered " + r.statusCode() + ": " + r.body());
    }
    return new Scrape(r.body());
  }

  /**
   * The names of the samples (histograms as their _bucket, _sum and _count series, counters with
   * _total).
   */
  Set<String> sampleNames() {
    Set<String> names = new TreeSet<>();
    text.lines()
        .filter(l -> !l.isBlank() && !l.startsWith("#"))
        .forEach(
            l -> {
              int end = 0;
              while (end < l.length() && l.charAt(end) != '{' && l.charAt(end) != ' ') {
                end++;
              }
              names.add(l.substring(0, end));
            });
    return names;
  }

  /** The label names of the samples of {@code metric}. */
  Set<String> labelNames(String metric) {
    Set<String> labels = new TreeSet<>();
    text.lines()
        .filter(l -> l.startsWith(metric + "{"))
        .forEach(
            l -> {
              Matcher m = LABEL.matcher(l.substring(metric.length(), l.lastIndexOf('}') + 1));
              while (m.find()) {
                labels.add(m.group(1));
              }
            });
    return labels;
  }

  /**
   * Every "metric{label}" of {@code used} (name -> label -> where) whose samples lack that label,
   * with its uses.
   */
  Map<String, List<String>> missingLabels(Map<String, Map<String, List<String>>> used) {
    Map<String, List<String>> out = new TreeMap<>();
    used.forEach(
        (name, labels) -> {
          Set<String> present = labelNames(name);
          labels.forEach(
              (label, where) -> {
                if (!present.contains(label)) {
                  out.put(name + "{" + label + "}", where);
                }
              });
        });
    return out;
  }

  /**
   * Asserts the metrics convention (docs/operations.md, "Metrics"): at least {@code atLeast}
   * samples of the project's own metrics (names starting {@code cmrwatch_}), every one with the
   * common tag {@code application="<application>"}.
   */
  void assertOwnMetricsCarry(String application, int atLeast) {
    String tag = "application=\"" + application + "\"";
    List<String> own = text.lines().filter(l -> l.startsWith("cmrwatch_")).toList();
    if (own.size() < atLeast) {
      throw new AssertionError(
          "expected at least " + atLeast + " cmrwatch_* samples, got " + own.size() + ":\n" + own);
    }
    List<String> untagged =
        own.stream().filter(l -> !(l.contains("{" + tag) || l.contains("," + tag))).toList();
    if (!untagged.isEmpty()) {
      throw new AssertionError("cmrwatch_* samples without " + tag + ":\n" + untagged);
    }
  }

  /** The entries of {@code used} whose name is not among the samples: name -> where it is used. */
  Map<String, List<String>> missing(Map<String, List<String>> used) {
    Set<String> present = sampleNames();
    Map<String, List<String>> out = new TreeMap<>();
    used.forEach(
        (name, where) -> {
          if (!present.contains(name)) {
            out.put(name, where);
          }
        });
    return out;
  }
}
