package io.cmrwatch.streams.publish;

import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.cmr.RunEstimate;
import java.util.Objects;

/**
 * When a new analysis is published. Analyses come many times a second while runs report; their
 * consumers want the estimate when it changes meaningfully, and the exact answer once it settles:
 *
 * <ul>
 *   <li>an experiment's estimate, when it is the first, its status or usable runs change, or its
 *       CMR or a bound moves by more than {@code minChange};
 *   <li>a run's fit, when it is the first, its status, feasibility or turn-over changes, or it
 *       covers new events and the last one was published at least {@code runFitIntervalMs} ago;
 *   <li>and, for the settling analysis (cold, after a quiet period), any difference at all from
 *       what was last published: the topics and the API then end on what core computes for the
 *       experiment's events.
 * </ul>
 *
 * Plain Java, stateless: what was last published is the caller's.
 */
public final class PublishThrottle {

  private final double minChange;
  private final long runFitIntervalMs;

  /**
   * @param minChange a CMR or bound moving by more than this is published
   * @param runFitIntervalMs a run's fit with new events is published at most once per this
   */
  public PublishThrottle(double minChange, long runFitIntervalMs) {
    this.minChange = minChange;
    this.runFitIntervalMs = runFitIntervalMs;
  }

  /** Whether to publish the experiment's {@code next} estimate, {@code published} the last one. */
  public boolean estimate(ExperimentEstimate next, ExperimentEstimate published, boolean settling) {
    if (published == null
        || !next.status().equals(published.status())
        || next.usableRuns() != published.usableRuns()) {
      return true;
    }
    if (moved(next.cmr(), published.cmr())
        || moved(next.cmrLow(), published.cmrLow())
        || moved(next.cmrHigh(), published.cmrHigh())) {
      return true;
    }
    return settling && !next.equals(published);
  }

  /**
   * Whether to publish a run's {@code next} fit; {@code published} is its last published fit (or
   * null), published at {@code publishedWallMs}.
   */
  public boolean runFit(
      RunEstimate next, RunEstimate published, long publishedWallMs, long nowMs, boolean settling) {
    if (published == null
        || !next.status().equals(published.status())
        || !Objects.equals(next.feasible(), published.feasible())
        || !Objects.equals(next.turnedOver(), published.turnedOver())) {
      return true;
    }
    if (settling) {
      return !next.equals(published);
    }
    return next.events() != published.events() && nowMs - publishedWallMs >= runFitIntervalMs;
  }

  private boolean moved(Double a, Double b) {
    if (a == null || b == null) {
      return (a == null) != (b == null);
    }
    return Math.abs(a - b) > minChange;
  }
}
