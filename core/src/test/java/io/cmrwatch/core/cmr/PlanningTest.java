package io.cmrwatch.core.cmr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The estimate's planning answers: the Cramér–Rao bound beside the interval, where to train next,
 * the CMR at another budget, the budget a ratio needs, and each run's probability of turning over.
 */
class PlanningTest {

  private final ExperimentAnalyzer analyzer = new ExperimentAnalyzer();

  @Test
  void shouldNeverReportAnIntervalNarrowerThanItsCramerRaoBound() {
    for (long seed = 2000; seed < 2010; seed++) {
      SyntheticExperiment x = new SyntheticGenerator().generate(seed);
      for (double f : new double[] {0.5, 1.0}) {
        ExperimentEstimate e =
            analyzer.analyze(x.experiment(), Experiments.summaries(x.eventsUpTo(f)));
        assertThat(e.ok()).as("seed %d at %.2f", seed, f).isTrue();
        assertThat(e.cmrHalfWidthBound()).isNotNull().isPositive();
        double bound = e.cmrHalfWidthBound();
        // Clipping at 0 or 1 may shorten one side; the other keeps the bound.
        double lower = e.cmr() - e.cmrLow();
        double upper = e.cmrHigh() - e.cmr();
        assertThat(Math.max(lower, upper)).isGreaterThanOrEqualTo(bound * (1 - 1e-9));
        if (e.cmrLow() > 0 && e.cmrHigh() < 1) {
          assertThat(Math.min(lower, upper)).isGreaterThanOrEqualTo(bound * (1 - 1e-9));
        }
      }
    }
  }

  @Test
  void shouldSayWhereToTrainNextAndExpectANarrowerInterval() {
    SyntheticExperiment x = new SyntheticGenerator().generate(2003);
    ExperimentEstimate e =
        analyzer.analyze(x.experiment(), Experiments.summaries(x.eventsUpTo(0.5)));
    assertThat(e.nextRatio()).isNotNull().isBetween(0.0, 1.0);
    double width = e.cmrHigh() - e.cmrLow();
    assertThat(e.nextRatioExpectedWidth()).isPositive().isLessThan(width);
    assertThat(e.denserRun()).isIn(e.runs().stream().map(RunEstimate::run).toList());
    assertThat(e.denserRunExpectedWidth()).isPositive().isLessThan(width);
    // A run near the estimate informs the crossing more than one far from it.
    assertThat(Math.abs(e.nextRatio() - e.cmr())).isLessThan(0.25);
  }

  @Test
  void shouldGiveRunsTurnOverProbabilitiesThatAgreeWithTheTruthAtTheBudget() {
    int agree = 0;
    int decided = 0;
    for (long seed = 2100; seed < 2120; seed++) {
      SyntheticExperiment x = new SyntheticGenerator().generate(seed);
      ExperimentEstimate e = analyzer.analyze(x.experiment(), Experiments.summaries(x.events()));
      for (int i = 0; i < e.runs().size(); i++) {
        RunEstimate r = e.runs().get(i);
        assertThat(r.turnOverProbability()).isBetween(0.0, 1.0);
        assertThat(r.feasibleProbability()).isBetween(0.0, r.turnOverProbability() + 1e-12);
        double p = r.turnOverProbability();
        if (p >= 0.9 || p <= 0.1) {
          decided++;
          boolean truth = x.runs().get(i).trueT0() <= x.budgetTokens();
          if ((p >= 0.9) == truth) {
            agree++;
          }
        }
      }
    }
    // Confident calls (≥ 90 % either way) are right at least nine times in ten.
    assertThat(decided).isGreaterThan(60);
    assertThat(agree / (double) decided).isGreaterThanOrEqualTo(0.9);
  }

  @Test
  void shouldPlanTheCmrAtAnotherBudgetAndAgreeWithTheEstimateAtItsOwn() {
    SyntheticExperiment x = new SyntheticGenerator().generate(2004);
    Collection<RunSummary> runs = Experiments.summaries(x.events());
    ExperimentEstimate e = analyzer.analyze(x.experiment(), runs);
    BudgetPlan same = analyzer.cmrAtBudget(x.experiment(), runs, e, x.budgetTokens());
    assertThat(same.status()).isEqualTo("ok");
    assertThat(same.cmr()).isCloseTo(e.cmr(), within(1e-9));
    assertThat(same.extrapolated()).isFalse();
    BudgetPlan half = analyzer.cmrAtBudget(x.experiment(), runs, e, x.budgetTokens() / 2);
    assertThat(half.cmr()).isCloseTo(x.trueCmrAt(x.budgetTokens() / 2.0), within(0.05));
    assertThat(half.cmrLow()).isLessThanOrEqualTo(half.cmr());
    assertThat(half.cmrHigh()).isGreaterThanOrEqualTo(half.cmr());
    // A longer budget than observed is answered, and flagged as extrapolation.
    BudgetPlan longer = analyzer.cmrAtBudget(x.experiment(), runs, e, x.budgetTokens() * 3);
    assertThat(longer.extrapolated()).isTrue();
    // ... and neither it nor the budget itself is read more certainly than the estimate at the
    // budget.
    double halfE = 0.5 * (e.cmrHigh() - e.cmrLow());
    for (BudgetPlan p : List.of(same, longer)) {
      assertThat(p.cmrHigh()).isGreaterThanOrEqualTo(Math.min(1, p.cmr() + halfE) - 1e-12);
      assertThat(p.cmrLow()).isLessThanOrEqualTo(Math.max(0, p.cmr() - halfE) + 1e-12);
    }
    assertThatThrownBy(() -> analyzer.cmrAtBudget(x.experiment(), runs, e, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldPlanTheBudgetARatioNeedsConsistentlyWithTheCmr() {
    SyntheticExperiment x = new SyntheticGenerator().generate(2004);
    Collection<RunSummary> runs = Experiments.summaries(x.events());
    ExperimentEstimate e = analyzer.analyze(x.experiment(), runs);
    // A ratio a little below the CMR is feasible before the budget; a little above, after it.
    RatioPlan below = analyzer.budgetForRatio(x.experiment(), runs, e, e.cmr() * 0.9);
    RatioPlan above = analyzer.budgetForRatio(x.experiment(), runs, e, Math.min(1, e.cmr() * 1.1));
    assertThat(below.status()).isEqualTo("ok");
    assertThat(below.budgetTokens()).isLessThan((double) x.budgetTokens());
    assertThat(below.budgetLow()).isLessThanOrEqualTo(below.budgetTokens());
    assertThat(above.budgetTokens() == null || above.budgetTokens() > x.budgetTokens()).isTrue();
    assertThatThrownBy(() -> analyzer.budgetForRatio(x.experiment(), runs, e, 1.5))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldAnswerPlansWithTheReasonWhenThereIsNoEstimate() {
    SyntheticExperiment x = new SyntheticGenerator().generate(2004);
    List<String> first = List.of(x.runs().get(0).run());
    Collection<RunSummary> one =
        Experiments.summaries(
            x.events().stream()
                .filter(ev -> first.contains(ev.run()))
                .collect(Collectors.toCollection(ArrayList::new)));
    BudgetPlan p = analyzer.cmrAtBudget(x.experiment(), one, null, x.budgetTokens());
    assertThat(p.status()).isEqualTo(Reason.TOO_FEW_USABLE_RUNS.code());
    assertThat(p.cmr()).isNull();
    RatioPlan r = analyzer.budgetForRatio(x.experiment(), List.of(), null, 0.3);
    assertThat(r.status()).isEqualTo(Reason.NO_RUNS.code());
  }
}
