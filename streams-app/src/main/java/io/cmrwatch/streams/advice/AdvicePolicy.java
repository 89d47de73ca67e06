package io.cmrwatch.streams.advice;

import io.cmrwatch.core.cmr.ExperimentEstimate;

/**
 * Which ratio to advise a run on {@code cpt.ratio-advice}. A run whose ratio lies outside the
 * published CMR interval [cmrLow, cmrHigh] is advised to move to cmrLow, the largest ratio the
 * estimate calls feasible with 95 % one-sided confidence; the advice is sent again only when the
 * advised ratio moves by more than the estimate's minimum change, and forgotten once the run is
 * inside the interval (so that it is sent again if the run leaves it). Plain Java.
 */
public final class AdvicePolicy {

  /** Reason: the run's ratio is above the interval (its bump will not turn over in time). */
  public static final String ABOVE = "ratio_above_cmr_interval";

  /** Reason: the run's ratio is below the interval (it could train on more domain data). */
  public static final String BELOW = "ratio_below_cmr_interval";

  private final double minChange;

  /**
   * @param minChange advice is sent again only when the advised ratio moves by more than this
   */
  public AdvicePolicy(double minChange) {
    this.minChange = minChange;
  }

  /**
   * What to do for one run.
   *
   * @param send the advice to send now ({@link #advisedRatio} toward {@link #reason}), or not
   * @param advisedRatio the ratio advised (sent now, or standing); NaN when none stands
   * @param reason {@link #ABOVE} or {@link #BELOW}, or null
   */
  public record Decision(boolean send, double advisedRatio, String reason) {
    static final Decision NONE = new Decision(false, Double.NaN, null);
  }

  /**
   * The decision for a run at {@code ratio} given the published estimate and the ratio last advised
   * to it ({@code standing}, NaN when none).
   */
  public Decision advise(double ratio, ExperimentEstimate published, double standing) {
    if (published == null || !published.ok() || !Double.isFinite(ratio)) {
      return new Decision(false, standing, null);
    }
    String reason;
    if (ratio > published.cmrHigh()) {
      reason = ABOVE;
    } else if (ratio < published.cmrLow()) {
      reason = BELOW;
    } else {
      return Decision.NONE;
    }
    double advised = published.cmrLow();
    if (Double.isFinite(standing) && Math.abs(standing - advised) <= minChange) {
      return new Decision(false, standing, reason);
    }
    return new Decision(true, advised, reason);
  }
}
