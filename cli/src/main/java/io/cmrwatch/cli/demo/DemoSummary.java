package io.cmrwatch.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * What a demo ended with, as the streams app's HTTP API reports it: the experiment's CMR estimate
 * with its interval, and each run's T0 and feasibility.
 *
 * @param experiment experiment id
 * @param status the estimate's status ({@code ok} or the reason there is none)
 * @param cmr the CMR estimate, NaN when there is none
 * @param cmrLow lower end of its interval, NaN when unknown
 * @param cmrHigh upper end of its interval, NaN when unknown
 * @param estimates how many estimates the experiment's history holds
 * @param runs one line per run, by ratio
 * @param pageUrl where the page is
 * @param elapsed how long the demo ran
 */
public record DemoSummary(
    String experiment,
    String status,
    double cmr,
    double cmrLow,
    double cmrHigh,
    int estimates,
    List<RunLine> runs,
    String pageUrl,
    Duration elapsed) {

  public DemoSummary {
    runs = List.copyOf(runs);
  }

  /**
   * One run at the end of the demo.
   *
   * @param run run id
   * @param ratio domain share R
   * @param points summary points the streams app holds for it
   * @param tokens the largest CPT token count seen
   * @param budgetTokens token budget, NaN when unknown
   * @param t0 critical token point T0 in tokens, NaN when not fitted
   * @param t0Low lower end of T0's interval, NaN when unknown
   * @param t0High upper end of T0's interval, NaN when unknown
   * @param feasible whether the ratio is feasible; null when not fitted yet
   */
  public record RunLine(
      String run,
      double ratio,
      int points,
      double tokens,
      double budgetTokens,
      double t0,
      double t0Low,
      double t0High,
      Boolean feasible) {}

  /** Whether a CMR estimate exists. */
  public boolean hasEstimate() {
    return "ok".equals(status) && Double.isFinite(cmr);
  }

  /** Builds the summary from GET /experiments/{id} and the GET /runs/{id} answers of its runs. */
  static DemoSummary from(
      String experiment, JsonNode exp, List<JsonNode> runs, String pageUrl, Duration elapsed) {
    JsonNode est = exp.path("estimate");
    List<RunLine> lines = new ArrayList<>();
    for (JsonNode r : runs) {
      JsonNode fit = r.path("fit");
      double maxTokens = 0;
      for (JsonNode p : r.path("points")) {
        maxTokens = Math.max(maxTokens, p.path("tokens").asDouble(0));
      }
      lines.add(
          new RunLine(
              r.path("run").asText(),
              num(r, "ratio"),
              r.path("points").size(),
              maxTokens,
              num(r, "budgetTokens"),
              num(fit, "t0Tokens"),
              num(fit, "t0Low"),
              num(fit, "t0High"),
              fit.path("feasible").isBoolean() ? fit.path("feasible").asBoolean() : null));
    }
    lines.sort(Comparator.comparingDouble(RunLine::ratio).thenComparing(RunLine::run));
    return new DemoSummary(
        experiment,
        est.path("status").asText("none"),
        num(est, "cmr"),
        num(est, "cmrLow"),
        num(est, "cmrHigh"),
        exp.path("history").size(),
        lines,
        pageUrl,
        elapsed);
  }

  private static double num(JsonNode n, String field) {
    return n.path(field).isNumber() ? n.path(field).asDouble() : Double.NaN;
  }

  /** The summary as the demo prints it. */
  public String render() {
    StringBuilder s = new StringBuilder();
    s.append("== summary (after ").append(clock(elapsed)).append(") ==\n");
    s.append("experiment  ").append(experiment).append('\n');
    if (hasEstimate()) {
      s.append("CMR         ").append(Format.pct(cmr));
      if (Double.isFinite(cmrLow) && Double.isFinite(cmrHigh)) {
        s.append("  (interval ")
            .append(Format.pct(cmrLow))
            .append(" – ")
            .append(Format.pct(cmrHigh))
            .append(')');
      }
    } else {
      s.append("CMR         no estimate: ").append(status.replace('_', ' '));
    }
    s.append(", from ").append(estimates).append(" estimates\n");
    s.append(
        String.format(
            Locale.ROOT,
            "%-14s %7s %7s %9s %9s %21s %9s  %s%n",
            "run",
            "ratio",
            "points",
            "tokens",
            "T0",
            "T0 interval",
            "budget",
            "feasible"));
    for (RunLine r : runs) {
      String interval =
          Double.isFinite(r.t0Low()) || Double.isFinite(r.t0High())
              ? Format.tokens(r.t0Low()) + " – " + Format.tokens(r.t0High())
              : "—";
      String feasible = r.feasible() == null ? "not fitted yet" : r.feasible() ? "yes" : "no";
      s.append(
          String.format(
              Locale.ROOT,
              "%-14s %7s %7d %9s %9s %21s %9s  %s%n",
              r.run(),
              Format.pct(r.ratio()),
              r.points(),
              Format.tokens(r.tokens()),
              Format.tokens(r.t0()),
              interval,
              Format.tokens(r.budgetTokens()),
              feasible));
    }
    s.append("page        ").append(pageUrl).append('\n');
    return s.toString();
  }

  private static String clock(Duration d) {
    return String.format(Locale.ROOT, "%dm%02ds", d.toMinutes(), d.toSecondsPart());
  }
}
