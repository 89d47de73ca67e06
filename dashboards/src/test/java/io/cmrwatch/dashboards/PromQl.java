package io.cmrwatch.dashboards;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the metric names a PromQL expression selects. It tokenizes the expression instead of
 * matching names with a regular expression, so that label names in matchers and in {@code
 * by}/{@code without}/{@code on}/{@code ignoring}/ {@code group_left}/{@code group_right} lists,
 * function and aggregation names, durations, numbers, strings and Grafana variables are not
 * mistaken for metric names.
 */
final class PromQl {

  /** Words followed by a parenthesized list of label names (not metric names). */
  private static final Set<String> LABEL_LIST_KEYWORDS =
      Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

  /** Operators and modifiers spelled as words. */
  private static final Set<String> WORD_OPERATORS =
      Set.of("and", "or", "unless", "bool", "offset", "atan2");

  /**
   * Aggregation operators: their {@code by}/{@code without} clause may stand between the name and
   * the parenthesis.
   */
  private static final Set<String> AGGREGATIONS =
      Set.of(
          "sum",
          "min",
          "max",
          "avg",
          "group",
          "stddev",
          "stdvar",
          "count",
          "count_values",
          "bottomk",
          "topk",
          "quantile",
          "limitk",
          "limit_ratio");

  /** Literals spelled as words (case-insensitive in PromQL). */
  private static final Set<String> WORD_LITERALS = Set.of("inf", "nan");

  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  // Numbers (decimal, hex, exponent) and durations (5m, 1h30m, 250ms).
  private static final Pattern NUMBER =
      Pattern.compile(
          "0[xX][0-9a-fA-F]+|(?:[0-9]+(?:ms|[smhdwy]))+|[0-9]*\\.?[0-9]+(?:[eE][+-]?[0-9]+)?");
  private static final Pattern STRING_LITERAL =
      Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
  private static final Pattern LABEL_MATCHER =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!~|!=|=)");
  private static final Pattern NAME_MATCHER =
      Pattern.compile("__name__\\s*=\\s*\"([a-zA-Z_:][a-zA-Z0-9_:]*)\"");

  private PromQl() {}

  /** The metric names selected by {@code expr}, sorted. */
  static Set<String> metricNames(String expr) {
    return selectors(expr).keySet();
  }

  /**
   * The metric names selected by {@code expr}, each with the label names its matchers test ({@code
   * a{x="1"} + a{y=~"2"}} gives {@code a -> [x, y]}).
   */
  static Map<String, Set<String>> selectors(String expr) {
    Map<String, Set<String>> names = new TreeMap<>();
    String last = null; // the metric name just read, if a matcher block may follow it
    int i = 0;
    int n = expr.length();
    while (i < n) {
      char c = expr.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '#') {
        i = skipLine(expr, i);
      } else if (c == '"' || c == '\'' || c == '`') {
        i = skipString(expr, i);
      } else if (c == '{') {
        int end = closing(expr, i, '{', '}');
        String block = expr.substring(i, end);
        // {__name__="x"} selects metric x without naming it outside the braces.
        Matcher m = NAME_MATCHER.matcher(block);
        while (m.find()) {
          names.computeIfAbsent(m.group(1), k -> new TreeSet<>());
        }
        if (last != null) {
          Matcher label = LABEL_MATCHER.matcher(STRING_LITERAL.matcher(block).replaceAll("\"\""));
          while (label.find()) {
            if (!label.group(1).equals("__name__")) {
              names.get(last).add(label.group(1));
            }
          }
        }
        last = null;
        i = end;
      } else if (c == '[') {
        i =
            closing(
                expr, i, '[', ']'); // range or subquery: durations and Grafana interval variables
      } else if (c == '$') {
        i = skipVariable(expr, i);
      } else if (Character.isDigit(c)
          || (c == '.' && i + 1 < n && Character.isDigit(expr.charAt(i + 1)))) {
        Matcher m = NUMBER.matcher(expr).region(i, n);
        i = m.lookingAt() ? m.end() : i + 1;
      } else if (Character.isLetter(c) || c == '_' || c == ':') {
        Matcher m = IDENTIFIER.matcher(expr).region(i, n);
        m.lookingAt();
        String word = m.group();
        i = m.end();
        int next = skipSpace(expr, i);
        boolean callOrList = next < n && expr.charAt(next) == '(';
        String lower = word.toLowerCase(Locale.ROOT);
        if (LABEL_LIST_KEYWORDS.contains(lower)) {
          if (callOrList) {
            i = closing(expr, next, '(', ')');
          }
        } else if (callOrList
            || AGGREGATIONS.contains(lower)
            || WORD_OPERATORS.contains(lower)
            || WORD_LITERALS.contains(lower)) {
          // a function or aggregation (its arguments are scanned next), an operator word, or
          // Inf/NaN
        } else {
          names.computeIfAbsent(word, k -> new TreeSet<>());
          last = word;
          continue;
        }
      } else {
        i++;
      }
      if (!Character.isWhitespace(c)) {
        last = null;
      }
    }
    return names;
  }

  /**
   * The metric names a Grafana variable query selects: {@code label_values(selector, label)} and
   * {@code query_result(expr)} use PromQL; {@code label_values(label)}, {@code label_names()} and
   * {@code metrics(re)} select no particular metric.
   */
  static Set<String> variableQueryMetricNames(String query) {
    String q = query.trim();
    if (q.startsWith("query_result(") && q.endsWith(")")) {
      return metricNames(q.substring("query_result(".length(), q.length() - 1));
    }
    if (q.startsWith("label_values(") && q.endsWith(")")) {
      String args = q.substring("label_values(".length(), q.length() - 1);
      int comma = topLevelComma(args);
      return comma < 0 ? Set.of() : metricNames(args.substring(0, comma));
    }
    return Set.of();
  }

  /**
   * {@code expr} with Grafana's variables replaced so that promtool can parse it: interval
   * variables by {@code 5m}, every other variable (always used inside a label-matcher string here)
   * by {@code x}.
   */
  static String withoutGrafanaVariables(String expr) {
    return expr.replaceAll("\\$\\{?__(rate_interval|interval|range)(_s|_ms)?}?", "5m")
        .replaceAll("\\$\\{[a-zA-Z0-9_]+(:[a-zA-Z]+)?}", "x")
        .replaceAll("\\$[a-zA-Z_][a-zA-Z0-9_]*", "x")
        .replaceAll("\\[\\[[a-zA-Z0-9_]+]]", "x");
  }

  private static int skipSpace(String s, int i) {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static int skipLine(String s, int i) {
    int nl = s.indexOf('\n', i);
    return nl < 0 ? s.length() : nl + 1;
  }

  private static int skipString(String s, int i) {
    char quote = s.charAt(i);
    int j = i + 1;
    while (j < s.length()) {
      char c = s.charAt(j);
      if (c == '\\' && quote != '`') {
        j += 2;
      } else if (c == quote) {
        return j + 1;
      } else {
        j++;
      }
    }
    throw new IllegalArgumentException("unterminated string at " + i + " in: " + s);
  }

  private static int skipVariable(String s, int i) {
    int j = i + 1;
    if (j < s.length() && s.charAt(j) == '{') {
      return closing(s, j, '{', '}');
    }
    while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
      j++;
    }
    return j;
  }

  /**
   * The index just after the bracket that closes the one at {@code open}, skipping strings inside.
   */
  private static int closing(String s, int open, char left, char right) {
    int depth = 0;
    int j = open;
    while (j < s.length()) {
      char c = s.charAt(j);
      if (c == '"' || c == '\'' || c == '`') {
        j = skipString(s, j);
        continue;
      }
      if (c == left) {
        depth++;
      } else if (c == right && --depth == 0) {
        return j + 1;
      }
      j++;
    }
    throw new IllegalArgumentException("unbalanced '" + left + "' at " + open + " in: " + s);
  }

  private static int topLevelComma(String s) {
    int depth = 0;
    for (int j = 0; j < s.length(); j++) {
      char c = s.charAt(j);
      if (c == '"' || c == '\'' || c == '`') {
        j = skipString(s, j) - 1;
      } else if (c == '(' || c == '{' || c == '[') {
        depth++;
      } else if (c == ')' || c == '}' || c == ']') {
        depth--;
      } else if (c == ',' && depth == 0) {
        return j;
      }
    }
    return -1;
  }
}
