package io.cmrwatch.streams.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.POJONode;
import io.cmrwatch.core.cmr.CmrSettings;
import io.cmrwatch.core.cmr.EstimateJson;
import io.cmrwatch.core.cmr.ExperimentAnalyzer;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.cmr.RunEstimate;
import io.cmrwatch.core.law.Law;
import io.cmrwatch.core.law.LawForm;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.streams.config.ExperimentSettings;
import io.cmrwatch.streams.json.Json;
import io.cmrwatch.streams.state.CmrEstimate;
import io.cmrwatch.streams.state.RunFit;
import io.cmrwatch.streams.state.RunUpdate;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topology's one door to core's mathematics: every law and number of a run fit or a CMR
 * estimate is computed by core's {@link ExperimentAnalyzer} — a run alone for its fit (laws, T0
 * with its interval, feasibility), all of an experiment's run summaries for its CMR — warm-started
 * from the previous result. Stateless and thread-safe; a failure inside core becomes the status
 * {@code analysis_error}, never an exception that would stop the stream.
 */
final class CoreAnalyst {

  private static final Logger LOG = LoggerFactory.getLogger(CoreAnalyst.class);

  /**
   * A run's fit, and core's object it came from (kept in memory for the next warm start; null on
   * failure).
   */
  record RunResult(RunFit fit, RunEstimate core) {}

  /**
   * An experiment's estimate, and core's object it came from (for the next warm start; null on
   * failure).
   */
  record EstimateResult(CmrEstimate estimate, ExperimentEstimate core) {}

  /** Analyzers kept at once; beyond this (many distinct settings) the cache starts afresh. */
  static final int MAX_ANALYZERS = 256;

  // One analyzer per distinct settings, shared by the run and the experiment step and across
  // threads (it is
  // thread-safe): its memo lets an experiment recompute reuse the fit a run refit just made of the
  // same summary.
  private final Map<AnalyzerKey, ExperimentAnalyzer> analyzers = new ConcurrentHashMap<>();

  private record AnalyzerKey(double epsilon, double lambda, double tokenUnit, long budgetTokens) {}

  private ExperimentAnalyzer analyzer(ExperimentSettings st) {
    AnalyzerKey key =
        new AnalyzerKey(
            st.epsilon(), st.lambda(), st.tokenUnit(), st.hasBudget() ? st.budgetTokens() : -1);
    ExperimentAnalyzer a = analyzers.get(key);
    if (a == null) {
      if (analyzers.size() >= MAX_ANALYZERS) {
        analyzers.clear();
      }
      a =
          analyzers.computeIfAbsent(
              key,
              k ->
                  new ExperimentAnalyzer(
                      CmrSettings.defaults()
                          .withOverrides(
                              st.epsilon(),
                              st.lambda(),
                              st.tokenUnit(),
                              st.hasBudget() ? st.budgetTokens() : null)));
    }
    return a;
  }

  /**
   * The run's fit: core's analysis of the run alone, warm-started from its previous fit ({@code
   * previousCore}, the previous fit's core object when still in memory, saves reading it back from
   * the fit's JSON); with {@code deferCold} a periodic cold refit that is due waits for a later
   * refit (see core's analyzer).
   */
  RunResult fitRun(
      RunSummary s,
      ExperimentSettings st,
      RunFit previous,
      RunEstimate previousCore,
      boolean deferCold,
      Instant now) {
    try {
      RunEstimate before =
          previousCore != null
              ? previousCore
              : previous == null || previous.analysis() == null
                  ? null
                  : runEstimate(previous.analysis());
      ExperimentEstimate prev = before == null ? null : wrap(s.experiment(), st, before);
      ExperimentEstimate e = analyzer(st).analyze(s.experiment(), List.of(s), prev, deferCold);
      RunEstimate r = e.runs().get(0);
      return new RunResult(fromCore(s, st, r, now), r);
    } catch (RuntimeException e) {
      LOG.warn("analysis of run {} of {} failed", s.run(), s.experiment(), e);
      return new RunResult(
          new RunFit(
              s.experiment(),
              s.run(),
              s.ratio(),
              s.ratioChanged(),
              "analysis_error",
              s.pointCount(),
              s.events(),
              s.maxFitTokens(),
              st.budgetTokens(),
              st.epsilon(),
              st.lambda(),
              st.tokenUnit(),
              null,
              null,
              Double.NaN,
              Double.NaN,
              Double.NaN,
              Double.NaN,
              Double.NaN,
              null,
              s.latestGeneralLossIncrease(),
              -s.latestDomainLossChange(),
              Double.NaN,
              Double.NaN,
              forgetting(s, st, Double.NaN),
              now,
              s.lastEventTime(),
              null),
          null);
    }
  }

  // Core's result rides in the fit as a POJONode: written straight into the output JSON, without
  // building a tree of
  // it first (a tree only comes back when a fit is read from bytes).
  private static RunFit fromCore(RunSummary s, ExperimentSettings st, RunEstimate r, Instant now) {
    Law general = law(LawForm.GENERAL, r.generalLaw());
    Law domain = law(LawForm.DOMAIN, r.domainLaw());
    double budgetUnits = st.hasBudget() ? st.budgetTokens() / st.tokenUnit() : Double.NaN;
    double predG = d(r.generalLossIncreaseAtBudget());
    // −dDom(T_max): the fitted domain law at the budget (core's law evaluation).
    double predD = domain != null && st.hasBudget() ? -domain.value(budgetUnits) : Double.NaN;
    double t0 =
        r.t0Tokens() != null
            ? r.t0Tokens()
            : Boolean.FALSE.equals(r.turnedOver()) ? Double.POSITIVE_INFINITY : Double.NaN;
    return new RunFit(
        s.experiment(),
        s.run(),
        r.ratio(),
        r.ratioChanged(),
        r.status(),
        r.points(),
        r.events(),
        r.maxTokens() == null ? 0 : r.maxTokens(),
        st.budgetTokens(),
        st.epsilon(),
        st.lambda(),
        st.tokenUnit(),
        general,
        domain,
        r.generalFit() == null ? Double.NaN : d(r.generalFit().rmse()),
        r.domainFit() == null ? Double.NaN : d(r.domainFit().rmse()),
        t0,
        d(r.t0Low()),
        d(r.t0High()),
        r.feasible(),
        s.latestGeneralLossIncrease(),
        -s.latestDomainLossChange(),
        predG,
        predD,
        forgetting(s, st, predG),
        now,
        s.lastEventTime(),
        new POJONode(r));
  }

  private static String forgetting(RunSummary s, ExperimentSettings st, double predicted) {
    if (s.latestGeneralLossIncrease() > st.epsilon()) {
      return "observed";
    }
    return predicted > st.epsilon() ? "predicted" : "none";
  }

  /**
   * The experiment's CMR: core's analysis of all its run summaries — {@code cold}: from scratch
   * (path-independent, the settled answer); otherwise warm-started from the previous estimate
   * ({@code previousCore}, its core object when still in memory, saves reading it back from its
   * JSON), and even without one (an experiment's first estimate) reusing the fits the run step just
   * made of the same summaries. With {@code keepLaw} the previous estimate's CMR law is carried
   * over when it is still valid for these settings (see core's analyzer; a cold analysis has none).
   */
  EstimateResult estimate(
      String experiment,
      List<RunUpdate> runs,
      ExperimentSettings st,
      boolean cold,
      boolean keepLaw,
      CmrEstimate previous,
      ExperimentEstimate previousCore,
      Instant now) {
    List<RunSummary> summaries = new ArrayList<>(runs.size());
    runs.forEach(u -> summaries.add(u.summary()));
    try {
      ExperimentEstimate prev =
          cold
              ? null
              : previousCore != null
                  ? previousCore
                  : previous != null && previous.analysis() != null
                      ? EstimateJson.read(previous.analysis().toString())
                      : firstEstimate(experiment, st);
      ExperimentEstimate e = analyzer(st).analyze(experiment, summaries, prev, false, keepLaw);
      int points = 0;
      for (RunEstimate r : e.runs()) {
        if (r.ok()) {
          points += r.points();
        }
      }
      Law cmrLaw =
          e.cmrLaw() == null
              ? null
              : Law.of(LawForm.CMR, e.cmrLaw().a4(), e.cmrLaw().s4(), e.cmrLaw().b3());
      return new EstimateResult(
          new CmrEstimate(
              experiment,
              e.status(),
              d(e.cmr()),
              d(e.cmrLow()),
              d(e.cmrHigh()),
              cmrLaw,
              e.runs().size(),
              e.usableRuns(),
              points,
              e.budgetTokens() == null ? 0 : e.budgetTokens(),
              e.epsilon(),
              e.lambda(),
              e.tokenUnit(),
              now,
              new POJONode(e)),
          e);
    } catch (RuntimeException e) {
      LOG.warn("analysis of experiment {} failed", experiment, e);
      return new EstimateResult(
          new CmrEstimate(
              experiment,
              "analysis_error",
              Double.NaN,
              Double.NaN,
              Double.NaN,
              null,
              runs.size(),
              0,
              0,
              st.budgetTokens(),
              st.epsilon(),
              st.lambda(),
              st.tokenUnit(),
              now,
              null),
          null);
    }
  }

  /**
   * An estimate with no runs: a warm start that has nothing to start from but lets the analyzer
   * reuse run fits.
   */
  private static ExperimentEstimate firstEstimate(String experiment, ExperimentSettings st) {
    return new ExperimentEstimate(
        ExperimentEstimate.SCHEMA,
        experiment,
        st.hasBudget() ? st.budgetTokens() : null,
        "no_runs",
        "",
        null,
        null,
        null,
        null,
        null,
        st.epsilon(),
        st.lambda(),
        st.tokenUnit(),
        0,
        null,
        List.of());
  }

  private static ExperimentEstimate wrap(String experiment, ExperimentSettings st, RunEstimate r) {
    return new ExperimentEstimate(
        ExperimentEstimate.SCHEMA,
        experiment,
        st.hasBudget() ? st.budgetTokens() : null,
        "too_few_usable_runs",
        "",
        null,
        null,
        null,
        null,
        null,
        st.epsilon(),
        st.lambda(),
        st.tokenUnit(),
        r.ok() ? 1 : 0,
        null,
        List.of(r));
  }

  private static RunEstimate runEstimate(JsonNode n) {
    try {
      return Json.MAPPER.treeToValue(n, RunEstimate.class);
    } catch (IOException e) {
      throw new IllegalStateException("stored run analysis is unreadable: " + e.getMessage(), e);
    }
  }

  private static Law law(LawForm form, Map<String, Double> named) {
    if (named == null) {
      return null;
    }
    double[] p = new double[form.parameterCount()];
    for (int i = 0; i < p.length; i++) {
      Double v = named.get(form.parameterNames().get(i));
      if (v == null || !Double.isFinite(v)) {
        return null;
      }
      p[i] = v;
    }
    return Law.of(form, p);
  }

  private static double d(Double v) {
    return v == null ? Double.NaN : v;
  }
}
