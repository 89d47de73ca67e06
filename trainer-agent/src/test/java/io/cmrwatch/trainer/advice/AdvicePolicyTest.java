package io.cmrwatch.trainer.advice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cmrwatch.kafka.advice.RatioAdvice;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AdvicePolicyTest {

  private static final RatioAdvice UP =
      new RatioAdvice(1, "x", "run", 0.2, 0.5, "below the CMR", 0.5, 0.4, 0.6, null);
  private static final long BUDGET = 1000;

  @Test
  void shouldApplyABoundedStepWithinTheWindow() {
    AdvicePolicy p = new AdvicePolicy(AdvicePolicy.Mode.APPLY, 0.5, 100, 0.1);
    AdviceDecision d = p.decide(UP, "run", 0.2, 300, BUDGET, -1);
    assertThat(d.applied()).isTrue();
    assertThat(d.toRatio()).isCloseTo(0.3, within(1e-12));
    AdviceDecision exact =
        new AdvicePolicy(AdvicePolicy.Mode.APPLY, 0.5, 100, 0.5)
            .decide(UP, "run", 0.2, 0, BUDGET, -1);
    assertThat(exact.toRatio()).isCloseTo(0.5, within(1e-12));
    assertThat(exact.reason()).isEqualTo("as advised");
  }

  @Test
  void shouldRefuseOutsideTheWindowTooSoonOrWhenNotApplying() {
    AdvicePolicy p = new AdvicePolicy(AdvicePolicy.Mode.APPLY, 0.5, 100, 0.1);
    assertThat(p.decide(UP, "run", 0.2, 501, BUDGET, -1).reason()).contains("first 50%");
    assertThat(p.decide(UP, "run", 0.2, 250, BUDGET, 200).reason()).contains("fewer than 100");
    assertThat(p.decide(UP, "run", 0.2, 300, BUDGET, 200).applied()).isTrue();
    assertThat(p.decide(UP, "other", 0.2, 0, BUDGET, -1).applied()).isFalse();
    assertThat(
            new AdvicePolicy(AdvicePolicy.Mode.LOG, 1, 0, 1).decide(UP, "run", 0.2, 0, BUDGET, -1))
        .satisfies(
            d -> {
              assertThat(d.applied()).isFalse();
              assertThat(d.toRatio()).isEqualTo(0.2);
              assertThat(d.describe()).contains("refused").contains("log");
            });
    assertThat(
            new AdvicePolicy(AdvicePolicy.Mode.OFF, 1, 0, 1)
                .decide(UP, "run", 0.2, 0, BUDGET, -1)
                .applied())
        .isFalse();
  }

  @Test
  void shouldReadAdviceWithUnknownFieldsAndRejectNonsense() {
    RatioAdvice a =
        RatioAdvice.parse(
            ("{\"schema\":1,\"experiment\":\"x\",\"run\":\"r\",\"currentRatio\":0.2,\"advisedRatio\":0.35,"
                    + "\"reason\":\"r\",\"cmr\":0.35,\"cmrLow\":0.3,\"cmrHigh\":0.4,\"new\":[1,2]}")
                .getBytes(StandardCharsets.UTF_8));
    assertThat(a.advisedRatio()).isEqualTo(0.35);
    assertThat(RatioAdvice.parse(a.toJson())).isEqualTo(a);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                RatioAdvice.parse(
                    "{\"run\":\"r\",\"advisedRatio\":1.5}".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("advisedRatio");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> RatioAdvice.parse("not json".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
