package io.cmrwatch.trainer.advice;

import io.cmrwatch.kafka.advice.RatioAdvice;
import java.util.Locale;

/**
 * How an agent treats ratio advice. {@code off}: ignore it; {@code log}: log it, change nothing;
 * {@code apply}: change the ratio, but only within the first {@code applyWithin} share of the
 * budget, at most once per {@code minTokensBetweenChanges} tokens, and by at most {@code maxStep}
 * per change.
 *
 * @param mode off, log or apply
 * @param applyWithin share of the token budget (0..1] within which advice may be applied
 * @param minTokensBetweenChanges least distance in tokens between two changes
 * @param maxStep largest change of the ratio in one go (absolute)
 */
public record AdvicePolicy(
    Mode mode, double applyWithin, long minTokensBetweenChanges, double maxStep) {

  /** What to do with advice. */
  public enum Mode {
    OFF,
    LOG,
    APPLY;

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Smallest ratio the agent will move to: a run needs some domain data to be a CPT run. */
  public static final double MIN_RATIO = 0.01;

  public AdvicePolicy {
    if (mode == null) {
      throw new IllegalArgumentException("advice policy mode is required: off, log or apply");
    }
    if (!(applyWithin > 0 && applyWithin <= 1)) {
      throw new IllegalArgumentException("--advice-window must be in (0, 1], got " + applyWithin);
    }
    if (minTokensBetweenChanges < 0) {
      throw new IllegalArgumentException(
          "--advice-min-gap-tokens must be >= 0, got " + minTokensBetweenChanges);
    }
    if (!(maxStep > 0 && maxStep <= 1)) {
      throw new IllegalArgumentException("--advice-max-step must be in (0, 1], got " + maxStep);
    }
  }

  /**
   * Decides what to do with one message at {@code tokens} CPT tokens of a run with budget {@code
   * budget}, current ratio {@code current}, and last change at {@code lastChangeTokens} (negative
   * when there was none).
   */
  public AdviceDecision decide(
      RatioAdvice advice,
      String run,
      double current,
      long tokens,
      long budget,
      long lastChangeTokens) {
    if (!run.equals(advice.run())) {
      return AdviceDecision.refused(advice, tokens, current, "advice is for run " + advice.run());
    }
    switch (mode) {
      case OFF:
        return AdviceDecision.refused(advice, tokens, current, "advice policy is off");
      case LOG:
        return AdviceDecision.refused(
            advice, tokens, current, "advice policy is log (advisory only)");
      default:
        break;
    }
    if (tokens > applyWithin * budget) {
      return AdviceDecision.refused(
          advice,
          tokens,
          current,
          String.format(Locale.ROOT, "past the first %.0f%% of the budget", applyWithin * 100));
    }
    if (lastChangeTokens >= 0 && tokens - lastChangeTokens < minTokensBetweenChanges) {
      return AdviceDecision.refused(
          advice,
          tokens,
          current,
          "last change was "
              + (tokens - lastChangeTokens)
              + " tokens ago, fewer than "
              + minTokensBetweenChanges);
    }
    double wanted = Math.max(MIN_RATIO, Math.min(1.0, advice.advisedRatio()));
    // Bounded step: move at most maxStep towards the advised ratio.
    double next = current + Math.max(-maxStep, Math.min(maxStep, wanted - current));
    if (Math.abs(next - current) < 1e-9) {
      return AdviceDecision.refused(advice, tokens, current, "already at the advised ratio");
    }
    return AdviceDecision.applied(advice, tokens, current, next);
  }
}
