package io.cmrwatch.streams.advice;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.streams.fixture.CoreRecords;
import org.junit.jupiter.api.Test;

/** Runs outside the CMR interval are advised to move to its lower end, once per meaningful move. */
class AdvicePolicyTest {

  private final AdvicePolicy policy = new AdvicePolicy(0.001);

  private static ExperimentEstimate ok(double low, double cmr, double high) {
    return CoreRecords.estimate("status", "ok", "cmr", cmr, "cmrLow", low, "cmrHigh", high);
  }

  @Test
  void shouldAdviseTheLowerEndToRunsAboveAndBelowTheInterval() {
    AdvicePolicy.Decision above = policy.advise(0.5, ok(0.2, 0.25, 0.3), Double.NaN);
    assertThat(above).isEqualTo(new AdvicePolicy.Decision(true, 0.2, AdvicePolicy.ABOVE));
    AdvicePolicy.Decision below = policy.advise(0.1, ok(0.2, 0.25, 0.3), Double.NaN);
    assertThat(below).isEqualTo(new AdvicePolicy.Decision(true, 0.2, AdvicePolicy.BELOW));
  }

  @Test
  void shouldSendAgainOnlyWhenTheAdviceMovesMoreThanTheMinimumChange() {
    assertThat(policy.advise(0.5, ok(0.2005, 0.25, 0.3), 0.2).send()).isFalse();
    assertThat(policy.advise(0.5, ok(0.2005, 0.25, 0.3), 0.2).advisedRatio()).isEqualTo(0.2);
    AdvicePolicy.Decision moved = policy.advise(0.5, ok(0.21, 0.25, 0.3), 0.2);
    assertThat(moved.send()).isTrue();
    assertThat(moved.advisedRatio()).isEqualTo(0.21);
  }

  @Test
  void shouldForgetTheAdviceOfARunInsideTheIntervalAndKeepItWithoutAnEstimate() {
    AdvicePolicy.Decision inside = policy.advise(0.25, ok(0.2, 0.25, 0.3), 0.2);
    assertThat(inside.send()).isFalse();
    assertThat(inside.advisedRatio()).isNaN();
    ExperimentEstimate none = CoreRecords.estimate("status", "no_feasible_ratio");
    assertThat(policy.advise(0.5, none, 0.2))
        .isEqualTo(new AdvicePolicy.Decision(false, 0.2, null));
    assertThat(policy.advise(0.5, null, Double.NaN).send()).isFalse();
  }
}
