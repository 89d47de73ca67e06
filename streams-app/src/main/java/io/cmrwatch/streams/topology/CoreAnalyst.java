package io.cmrwatch.streams.topology;

import io.cmrwatch.core.cmr.Feasibility;
import io.cmrwatch.core.fit.FitOptions;
import io.cmrwatch.core.fit.FitResult;
import io.cmrwatch.core.fit.RobustFitter;
import io.cmrwatch.core.law.Law;
import io.cmrwatch.core.law.LawForm;
import io.cmrwatch.core.summary.CurvePoints;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.streams.config.ExperimentSettings;
import io.cmrwatch.streams.state.CmrEstimate;
import io.cmrwatch.streams.state.RunFit;
import io.cmrwatch.streams.state.RunUpdate;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topology's one door to core's mathematics: every law and number of a run fit or a CMR estimate comes from
 * here, computed by core. Stateless and thread-safe; a failure inside core becomes a status, never an exception
 * that would stop the stream.
 */
final class CoreAnalyst {

  private static final Logger LOG = LoggerFactory.getLogger(CoreAnalyst.class);

  RunFit fitRun(RunSummary s, ExperimentSettings st, RunFit previous, Instant now) {
    try {
      return fitRunUnchecked(s, st, previous, now);
    } catch (RuntimeException e) {
      LOG.warn("fitting run {} failed", s.run(), e);
      return empty(s, st, "analysis_error", now);
    }
  }

  private RunFit fitRunUnchecked(RunSummary s, ExperimentSettings st, RunFit previous, Instant now) {
    CurvePoints p = s.points();
    double unit = st.tokenUnit();
    double[] x = new double[p.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = p.tokens()[i] / unit;
    }
    FitOptions o = FitOptions.defaults();
    FitResult g = previous != null && previous.general() != null
        ? RobustFitter.refit(LawForm.GENERAL, x, p.generalIncrease(), p.weights(), previous.general(), o)
        : RobustFitter.fit(LawForm.GENERAL, x, p.generalIncrease(), p.weights(), o);
    FitResult d = previous != null && previous.domain() != null
        ? RobustFitter.refit(LawForm.DOMAIN, x, p.domainChange(), p.weights(), previous.domain(), o)
        : RobustFitter.fit(LawForm.DOMAIN, x, p.domainChange(), p.weights(), o);
    if (!g.ok() || !d.ok()) {
      RunFit e = empty(s, st, p.size() < 4 ? "insufficient_points" : "fit_failed", now);
      return e;
    }
    Law gl = g.law();
    Law dl = d.law();
    double t0 = Double.NaN;
    Boolean feasible = null;
    double predG = Double.NaN;
    double predD = Double.NaN;
    if (st.hasBudget()) {
      double budget = st.budgetTokens() / unit;
      double t0Units = Feasibility.criticalPoint(dl, gl, st.lambda(), budget);
      t0 = t0Units * unit;
      feasible = Feasibility.feasible(dl, gl, budget, st.epsilon(), st.lambda());
      predG = gl.value(budget);
      predD = -dl.value(budget);
    }
    String forgetting = s.latestGeneralLossIncrease() > st.epsilon() ? "observed"
        : predG > st.epsilon() ? "predicted" : "none";
    return new RunFit(s.experiment(), s.run(), s.ratio(), s.ratioChanged(), "ok", p.size(), s.events(),
        s.maxFitTokens(), st.budgetTokens(), st.epsilon(), st.lambda(), unit, gl, dl, g.stats().rmse(),
        d.stats().rmse(), t0, Double.NaN, Double.NaN, feasible, s.latestGeneralLossIncrease(),
        -s.latestDomainLossChange(), predG, predD, forgetting, now, s.lastEventTime());
  }

  private static RunFit empty(RunSummary s, ExperimentSettings st, String status, Instant now) {
    return new RunFit(s.experiment(), s.run(), s.ratio(), s.ratioChanged(), status, s.pointCount(), s.events(),
        s.maxFitTokens(), st.budgetTokens(), st.epsilon(), st.lambda(), st.tokenUnit(), null, null, Double.NaN,
        Double.NaN, Double.NaN, Double.NaN, Double.NaN, null, s.latestGeneralLossIncrease(),
        -s.latestDomainLossChange(), Double.NaN, Double.NaN,
        s.latestGeneralLossIncrease() > st.epsilon() ? "observed" : "none", now, s.lastEventTime());
  }

  CmrEstimate estimate(String experiment, List<RunUpdate> runs, ExperimentSettings st, CmrEstimate previous,
      Instant now) {
    int usable = (int) runs.stream().filter(u -> u.fit().ok()).count();
    int points = runs.stream().mapToInt(u -> u.fit().points()).sum();
    String status = usable < 2 ? "insufficient_runs" : "analysis_unavailable";
    return new CmrEstimate(experiment, status, Double.NaN, Double.NaN, Double.NaN, null, runs.size(), usable, points,
        st.budgetTokens(), st.epsilon(), st.lambda(), st.tokenUnit(), now, null);
  }
}
