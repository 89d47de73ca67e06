package io.cmrwatch.streams.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.cmr.RunEstimate;
import io.cmrwatch.streams.fixture.CoreRecords;
import org.junit.jupiter.api.Test;

/** What is published: meaningful changes while runs report, any difference once settled. */
class PublishThrottleTest {

  private final PublishThrottle throttle = new PublishThrottle(0.001, 1000);

  private static ExperimentEstimate estimate(String status, Double cmr, int usable, String msg) {
    return CoreRecords.estimate(
        "status",
        status,
        "message",
        msg,
        "cmr",
        cmr,
        "cmrLow",
        cmr == null ? null : cmr - 0.05,
        "cmrHigh",
        cmr == null ? null : cmr + 0.05,
        "usableRuns",
        usable);
  }

  private static RunEstimate run(String status, long events, Boolean feasible, Double t0) {
    return CoreRecords.run(
        "status",
        status,
        "events",
        events,
        "t0Tokens",
        t0,
        "turnedOver",
        true,
        "feasible",
        feasible);
  }

  @Test
  void shouldPublishAnEstimateThatMovesOrChangesItsStatusOrRuns() {
    ExperimentEstimate p = estimate("ok", 0.3, 3, "a");
    assertThat(throttle.estimate(p, null, false)).isTrue();
    assertThat(throttle.estimate(estimate("ok", 0.3005, 3, "a"), p, false)).isFalse();
    assertThat(throttle.estimate(estimate("ok", 0.302, 3, "a"), p, false)).isTrue();
    assertThat(throttle.estimate(estimate("ok", 0.3, 4, "a"), p, false)).isTrue();
    assertThat(throttle.estimate(estimate("no_feasible_ratio", null, 3, "a"), p, false)).isTrue();
  }

  @Test
  void shouldPublishAnyDifferenceOnceSettledAndNothingWhenIdentical() {
    ExperimentEstimate p = estimate("ok", 0.3, 3, "a");
    assertThat(throttle.estimate(estimate("ok", 0.3005, 3, "a"), p, true)).isTrue();
    assertThat(throttle.estimate(estimate("ok", 0.3, 3, "b"), p, true)).isTrue();
    assertThat(throttle.estimate(estimate("ok", 0.3, 3, "a"), p, true)).isFalse();
  }

  @Test
  void shouldPublishARunFitWithNewEventsAtMostOncePerIntervalAndChangesAtOnce() {
    RunEstimate p = run("ok", 10, true, 5.0);
    assertThat(throttle.runFit(p, null, 0, 0, false)).isTrue();
    assertThat(throttle.runFit(run("ok", 11, true, 5.1), p, 1000, 1999, false)).isFalse();
    assertThat(throttle.runFit(run("ok", 11, true, 5.1), p, 1000, 2000, false)).isTrue();
    // Same events (another run's data moved it): not until it settles.
    assertThat(throttle.runFit(run("ok", 10, true, 5.1), p, 1000, 9000, false)).isFalse();
    assertThat(throttle.runFit(run("ok", 10, true, 5.1), p, 1000, 9000, true)).isTrue();
    assertThat(throttle.runFit(run("ok", 10, true, 5.0), p, 1000, 9000, true)).isFalse();
    // Feasibility or status changes go at once.
    assertThat(throttle.runFit(run("ok", 10, false, 5.1), p, 1000, 1001, false)).isTrue();
    assertThat(throttle.runFit(run("fit_failed", 10, null, null), p, 1000, 1001, false)).isTrue();
  }
}
