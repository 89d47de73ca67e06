package io.cmrwatch.streams.alert;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.cmr.RunEstimate;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.streams.fixture.CoreRecords;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each alert kind fires once when its condition starts and resolves once when it ends. */
class AlertPolicyTest {

  static final double EPS = 0.05;
  static final double UNIT = 1e6;

  private final AlertPolicy policy = new AlertPolicy(6, 8, 60_000);
  private final Map<AlertKind, Long> firing = new EnumMap<>(AlertKind.class);
  private final Map<AlertKind, Integer> pending = new EnumMap<>(AlertKind.class);
  private final RunSummary summary = new RunSummary("exp", "r1");
  private int n;

  /** An event of run r1 at {@code t} token units, with the given loss changes. */
  private LossEvent event(double t, double generalIncrease, double domainChange) {
    LossEvent e =
        LossEvent.builder()
            .experiment("exp")
            .run("r1")
            .ratio(0.3)
            .tokens(Math.round(t * UNIT))
            .generalLoss(2.0 + generalIncrease)
            .domainLoss(3.0 + domainChange)
            .baseGeneralLoss(2.0)
            .baseDomainLoss(3.0)
            .eventId("r1/" + n++)
            .build();
    summary.absorb(e);
    return e;
  }

  /** A fit with flat laws: dGen = g, dDom = d; noise rmse; dGen at the budget {@code atBudget}. */
  private static RunEstimate fit(
      String status, int points, double g, double d, double rmse, Double atBudget) {
    return CoreRecords.run(
        "run",
        "r1",
        "status",
        status,
        "points",
        points,
        "generalLossIncreaseAtBudget",
        atBudget,
        "maxTokens",
        1_000_000L,
        "domainLaw",
        Map.of("a1", 0.0, "s1", 0.5, "b1", d),
        "generalLaw",
        Map.of("a2", 0.0, "s2", 0.5, "a3", 0.0, "s3", 1.0, "b2", g),
        "domainFit",
        Map.of("rmse", rmse, "converged", true),
        "generalFit",
        Map.of("rmse", rmse, "converged", true));
  }

  private static ExperimentEstimate estimate(
      String status, Double cmr, Double low, Double high, Long budget) {
    return CoreRecords.estimate(
        "status",
        status,
        "cmr",
        cmr,
        "cmrLow",
        low,
        "cmrHigh",
        high,
        "budgetTokens",
        budget,
        "epsilon",
        EPS,
        "tokenUnit",
        UNIT);
  }

  private List<String> kinds(List<Alert> alerts) {
    return alerts.stream().map(a -> a.kind() + ":" + a.state()).toList();
  }

  @Test
  void shouldFireObservedForgettingOnceAndResolveItBelowNineTenthsOfEpsilon() {
    assertThat(policy.onEvent(firing, summary, event(1, 0.04, 0), true, null, EPS, UNIT, 1))
        .isEmpty();
    List<Alert> fired =
        policy.onEvent(firing, summary, event(2, 0.06, 0), true, null, EPS, UNIT, 2);
    assertThat(kinds(fired)).containsExactly("forgetting_observed:firing");
    assertThat(fired.get(0).severity()).isEqualTo("critical");
    assertThat(fired.get(0).values().get("generalLossIncrease")).isCloseTo(0.06, within());
    assertThat(firing).containsKey(AlertKind.FORGETTING_OBSERVED);
    // Back under ε but not under 0.9·ε: noise around ε does not flap it.
    assertThat(policy.onEvent(firing, summary, event(3, 0.048, 0), true, null, EPS, UNIT, 3))
        .isEmpty();
    assertThat(policy.onEvent(firing, summary, event(4, 0.07, 0), true, null, EPS, UNIT, 4))
        .isEmpty();
    assertThat(kinds(policy.onEvent(firing, summary, event(5, 0.04, 0), true, null, EPS, UNIT, 5)))
        .containsExactly("forgetting_observed:resolved");
    assertThat(firing).isEmpty();
  }

  @Test
  void shouldFireASpikeOffTheFittedTrendAndResolveItWithTheNextEventOnIt() {
    RunEstimate f = fit("ok", 20, 0.01, -0.1, 0.002, null);
    // Noise floor 0.005 (the fit's rmse is smaller): 6σ = 0.03 off the trend is a spike.
    assertThat(policy.onEvent(firing, summary, event(1, 0.035, -0.1), true, f, EPS, UNIT, 1))
        .isEmpty();
    List<Alert> spike =
        policy.onEvent(firing, summary, event(2, 0.045, -0.1), true, f, EPS, UNIT, 2);
    assertThat(kinds(spike)).containsExactly("loss_spike:firing");
    assertThat(spike.get(0).values().get("generalResidual")).isCloseTo(0.035, within());
    assertThat(policy.onEvent(firing, summary, event(3, 0.046, -0.1), true, f, EPS, UNIT, 3))
        .isEmpty();
    assertThat(kinds(policy.onEvent(firing, summary, event(4, 0.01, -0.1), true, f, EPS, UNIT, 4)))
        .containsExactly("loss_spike:resolved");
    // Not judged against a fit of too few points, nor for an event after a ratio change.
    assertThat(
            policy.onEvent(
                firing,
                summary,
                event(5, 0.045, -0.1),
                true,
                fit("ok", 7, 0.01, -0.1, 0.002, null),
                EPS,
                UNIT,
                5))
        .isEmpty();
    assertThat(policy.onEvent(firing, summary, event(6, 0.045, -0.1), false, f, EPS, UNIT, 6))
        .isEmpty();
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-9);
  }

  @Test
  void shouldFirePredictedForgettingOnceAndResolveItWhenTheFitComesBackWithinEpsilon() {
    ExperimentEstimate e = estimate("too_few_usable_runs", null, null, null, 100_000_000L);
    assertThat(kinds(policy.onFit(firing, pending, summary, fit("ok", 20, 0, 0, 0.01, 0.08), e, 1)))
        .containsExactly("forgetting_predicted:firing");
    assertThat(policy.onFit(firing, pending, summary, fit("ok", 20, 0, 0, 0.01, 0.09), e, 2))
        .isEmpty();
    // A fit that is not ok, or no budget, says nothing either way.
    assertThat(
            policy.onFit(firing, pending, summary, fit("fit_failed", 20, 0, 0, 0.01, 0.01), e, 3))
        .isEmpty();
    assertThat(
            policy.onFit(
                firing,
                pending,
                summary,
                fit("ok", 20, 0, 0, 0.01, 0.01),
                estimate("no_budget", null, null, null, null),
                4))
        .isEmpty();
    List<Alert> resolved =
        policy.onFit(firing, pending, summary, fit("ok", 20, 0, 0, 0.01, 0.04), e, 5);
    assertThat(kinds(resolved)).containsExactly("forgetting_predicted:resolved");
    assertThat(resolved.get(0).values().get("predictedGeneralLossIncrease"))
        .isCloseTo(0.04, within());
  }

  @Test
  void shouldPredictADoomedRunAfterThreeConfidentAnalysesAndResolveOnlyAfterThreeWellAboveIt() {
    ExperimentEstimate e = estimate("ok", 0.3, 0.25, 0.35, 100_000_000L);
    // 85 % likely infeasible: not confident enough.
    assertThat(policy.onFit(firing, pending, summary, doomed(0.15, 0.2), e, 1)).isEmpty();
    // Two confident analyses, then one that is not: the count starts again.
    assertThat(policy.onFit(firing, pending, summary, doomed(0.05, 0.1), e, 2)).isEmpty();
    assertThat(policy.onFit(firing, pending, summary, doomed(0.02, 0.1), e, 3)).isEmpty();
    assertThat(pending).containsEntry(AlertKind.RUN_PREDICTED_INFEASIBLE, 2);
    assertThat(policy.onFit(firing, pending, summary, doomed(0.61, 0.7), e, 4)).isEmpty();
    assertThat(pending).isEmpty();
    assertThat(policy.onFit(firing, pending, summary, doomed(0.08, 0.1), e, 5)).isEmpty();
    assertThat(policy.onFit(firing, pending, summary, doomed(0.01, 0.1), e, 6)).isEmpty();
    List<Alert> fired = policy.onFit(firing, pending, summary, doomed(0.08, 0.1), e, 7);
    assertThat(kinds(fired)).containsExactly("run_predicted_infeasible:firing");
    assertThat(fired.get(0).values())
        .containsEntry("feasibleProbability", 0.08)
        .containsEntry("turnOverProbability", 0.1)
        .containsEntry("budgetTokens", 1e8);
    assertThat(fired.get(0).message()).contains("92 % likely infeasible");
    // Between 10 % and 20 % neither fires again nor counts towards resolving; one analysis above
    // 20 % (a jump) does not resolve it; an analysis without the probability says nothing.
    assertThat(policy.onFit(firing, pending, summary, doomed(0.18, 0.3), e, 8)).isEmpty();
    assertThat(policy.onFit(firing, pending, summary, doomed(0.7, 0.8), e, 9)).isEmpty();
    assertThat(policy.onFit(firing, pending, summary, doomed(0.0, 0.0), e, 10)).isEmpty();
    assertThat(policy.onFit(firing, pending, summary, doomed(null, null), e, 11)).isEmpty();
    assertThat(policy.onFit(firing, pending, summary, doomed(0.35, 0.6), e, 12)).isEmpty();
    assertThat(policy.onFit(firing, pending, summary, doomed(0.4, 0.6), e, 13)).isEmpty();
    assertThat(kinds(policy.onFit(firing, pending, summary, doomed(0.5, 0.6), e, 14)))
        .containsExactly("run_predicted_infeasible:resolved");
    assertThat(firing).doesNotContainKey(AlertKind.RUN_PREDICTED_INFEASIBLE);
    assertThat(pending).isEmpty();
  }

  /** An ok fit whose feasibility at the budget the estimator puts at {@code feasible}. */
  private static RunEstimate doomed(Double feasible, Double turnOver) {
    return CoreRecords.run(
        "run",
        "r1",
        "status",
        "ok",
        "points",
        20,
        "maxTokens",
        1_000_000L,
        "feasibleProbability",
        feasible,
        "turnOverProbability",
        turnOver);
  }

  @Test
  void shouldFireRatioAboveCmrAgainstThePublishedIntervalAndResolveWhenItMoves() {
    ExperimentEstimate narrow = estimate("ok", 0.25, 0.2, 0.28, 100_000_000L);
    ExperimentEstimate wide = estimate("ok", 0.3, 0.25, 0.35, 100_000_000L);
    assertThat(policy.onEstimate(firing, summary, 0.3, null, 1)).isNull();
    assertThat(
            policy.onEstimate(
                firing,
                summary,
                0.3,
                estimate("no_feasible_ratio", null, null, null, 100_000_000L),
                1))
        .isNull();
    Alert a = policy.onEstimate(firing, summary, 0.3, narrow, 2);
    assertThat(a.kind()).isEqualTo("ratio_above_cmr");
    assertThat(a.firing()).isTrue();
    assertThat(a.values()).containsEntry("cmrHigh", 0.28);
    assertThat(policy.onEstimate(firing, summary, 0.3, narrow, 3)).isNull();
    Alert r = policy.onEstimate(firing, summary, 0.3, wide, 4);
    assertThat(r.state()).isEqualTo("resolved");
    assertThat(policy.onEstimate(firing, summary, 0.3, wide, 5)).isNull();
  }

  @Test
  void shouldFireAStalledRunOnceAndResolveItWithItsNextEvent() {
    event(1, 0, 0);
    assertThat(policy.silent(1_000, 60_999)).isFalse();
    assertThat(policy.onSilence(firing, summary, 1_000, 60_999)).isNull();
    assertThat(policy.silent(1_000, 61_000)).isTrue();
    Alert a = policy.onSilence(firing, summary, 1_000, 61_000);
    assertThat(a.kind()).isEqualTo("run_stalled");
    assertThat(a.values()).containsEntry("secondsSinceLastEvent", 60.0);
    assertThat(policy.onSilence(firing, summary, 1_000, 120_000)).isNull();
    assertThat(kinds(policy.onEvent(firing, summary, event(2, 0, 0), true, null, EPS, UNIT, 3)))
        .containsExactly("run_stalled:resolved");
  }
}
