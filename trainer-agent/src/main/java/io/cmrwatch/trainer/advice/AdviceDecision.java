package io.cmrwatch.trainer.advice;

import io.cmrwatch.kafka.advice.RatioAdvice;
import java.util.Locale;

/**
 * What an agent did with one piece of advice, for its log, its result and its events.
 *
 * @param advice the message
 * @param tokens CPT tokens when it was considered
 * @param applied whether the ratio changed
 * @param fromRatio ratio before
 * @param toRatio ratio after (equal to {@code fromRatio} when refused)
 * @param reason why it was refused, or a note when applied
 */
public record AdviceDecision(
    RatioAdvice advice,
    long tokens,
    boolean applied,
    double fromRatio,
    double toRatio,
    String reason) {

  static AdviceDecision refused(RatioAdvice advice, long tokens, double current, String reason) {
    return new AdviceDecision(advice, tokens, false, current, current, reason);
  }

  static AdviceDecision applied(RatioAdvice advice, long tokens, double from, double to) {
    String note =
        Math.abs(to - advice.advisedRatio()) < 1e-9
            ? "as advised"
            : String.format(Locale.ROOT, "bounded step towards %.4f", advice.advisedRatio());
    return new AdviceDecision(advice, tokens, true, from, to, note);
  }

  /** One line for the log. */
  public String describe() {
    return applied
        ? String.format(
            Locale.ROOT,
            "ratio %.4f -> %.4f at %d tokens (%s; advice: %s)",
            fromRatio,
            toRatio,
            tokens,
            reason,
            advice.reason())
        : String.format(
            Locale.ROOT,
            "advice %.4f refused at %d tokens: %s (ratio stays %.4f)",
            advice.advisedRatio(),
            tokens,
            reason,
            fromRatio);
  }
}
