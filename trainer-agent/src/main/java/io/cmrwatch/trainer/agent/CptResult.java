package io.cmrwatch.trainer.agent;

import io.cmrwatch.trainer.advice.AdviceDecision;
import java.util.List;
import java.util.Locale;

/**
 * What a CPT run did: its evaluations (T = 0 first), the advice decisions, and how much it trained
 * and published.
 *
 * @param experiment experiment id
 * @param run run id
 * @param device device trained on
 * @param finalRatio target domain share at the end
 * @param actualShare actual domain share of the tokens mixed
 * @param tokens CPT tokens trained in total
 * @param steps optimizer steps in total
 * @param complete whether the budget was reached (false after --max-steps)
 * @param resumedFromTokens tokens of the checkpoint this invocation resumed from, or −1
 * @param evaluations every evaluation of the run
 * @param decisions what was done with each advice message in this invocation
 * @param eventsPublished events published by this invocation
 * @param eventsSkipped events not published again because the topic held them already
 * @param eventsFailed events that could not be published
 * @param tokensPerSecond training throughput of this invocation
 * @param seconds wall-clock time of this invocation
 */
public record CptResult(
    String experiment,
    String run,
    String device,
    double finalRatio,
    double actualShare,
    long tokens,
    long steps,
    boolean complete,
    long resumedFromTokens,
    List<Evaluation> evaluations,
    List<AdviceDecision> decisions,
    int eventsPublished,
    int eventsSkipped,
    int eventsFailed,
    double tokensPerSecond,
    double seconds) {

  /** General loss at T = 0. */
  public double baseGeneralLoss() {
    return evaluations.get(0).generalLoss();
  }

  /** Domain loss at T = 0. */
  public double baseDomainLoss() {
    return evaluations.get(0).domainLoss();
  }

  /** The last evaluation. */
  public Evaluation last() {
    return evaluations.get(evaluations.size() - 1);
  }

  /** A human summary with the loss curve. */
  public String describe() {
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "run %s/%s on %s: %s, %,d tokens in %,d steps (%.0f tok/s, %.1f s), ratio %.4f (actual %.4f)%n",
            experiment,
            run,
            device,
            complete ? "complete" : "stopped early",
            tokens,
            steps,
            tokensPerSecond,
            seconds,
            finalRatio,
            actualShare));
    if (resumedFromTokens >= 0) {
      s.append(
          String.format(
              Locale.ROOT, "resumed from a checkpoint at %,d tokens%n", resumedFromTokens));
    }
    s.append(
        String.format(
            Locale.ROOT,
            "events: %d published, %d already on the topic, %d failed%n",
            eventsPublished,
            eventsSkipped,
            eventsFailed));
    s.append(
        String.format(
            Locale.ROOT,
            "%12s %8s %8s %10s %10s %9s%n",
            "tokens",
            "step",
            "ratio",
            "general",
            "domain",
            "dGen"));
    for (Evaluation e : evaluations) {
      s.append(
          String.format(
              Locale.ROOT,
              "%,12d %8d %8.4f %10.4f %10.4f %+9.4f%n",
              e.tokens(),
              e.step(),
              e.ratio(),
              e.generalLoss(),
              e.domainLoss(),
              e.generalLoss() - baseGeneralLoss()));
    }
    for (AdviceDecision d : decisions) {
      s.append("advice: ").append(d.describe()).append(System.lineSeparator());
    }
    return s.toString();
  }
}
