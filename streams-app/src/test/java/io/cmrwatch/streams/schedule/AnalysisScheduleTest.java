package io.cmrwatch.streams.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * When experiments are analysed: oldest first, coalesced, settled once; held to a share when
 * behind.
 */
class AnalysisScheduleTest {

  static final long MS = 1_000_000L;

  private final AtomicLong nanos = new AtomicLong();
  private BacklogShare share;
  private AnalysisSchedule schedule;

  @BeforeEach
  void open() {
    share = new BacklogShare(0.25, 1, nanos::get);
    // Analysed at most every 100 ms, settled after 1 s quiet, behind when events wait over 500 ms.
    schedule = new AnalysisSchedule(100, 1000, 500, share, nanos::get);
  }

  private static List<String> names(List<AnalysisSchedule.Turn> turns) {
    return turns.stream().map(t -> t.experiment() + (t.cold() ? " cold" : "")).toList();
  }

  @Test
  void shouldServeWaitingExperimentsOldestFirstWithOneAnalysisForManyEvents() {
    schedule.event("b", 1000, 990, 10);
    schedule.event("a", 1001, 995, 6);
    schedule.event("b", 1002, 980, 22);
    List<AnalysisSchedule.Turn> due = schedule.due(1010);
    assertThat(names(due)).containsExactly("b", "a");
    assertThat(due.get(0).oldestEventTimestamp()).isEqualTo(980);
    for (AnalysisSchedule.Turn t : due) {
      assertThat(schedule.mayStart()).isTrue();
      schedule.done(t, 1010, MS);
    }
    assertThat(schedule.due(1011)).isEmpty();
  }

  @Test
  void shouldAnalyseAnExperimentAtMostOncePerIntervalAndKeepItsPlace() {
    schedule.event("a", 1000, 1000, 0);
    schedule.done(schedule.due(1000).get(0), 1000, MS);
    schedule.event("a", 1010, 1010, 0);
    schedule.event("b", 1020, 1020, 0);
    assertThat(names(schedule.due(1050))).containsExactly("b");
    assertThat(names(schedule.due(1100))).containsExactly("a", "b");
  }

  @Test
  void shouldSettleAQuietExperimentOnceColdAfterItsLastEvent() {
    schedule.event("a", 1000, 1000, 0);
    schedule.done(schedule.due(1000).get(0), 1000, MS);
    assertThat(schedule.due(1999)).isEmpty();
    List<AnalysisSchedule.Turn> due = schedule.due(2000);
    assertThat(names(due)).containsExactly("a cold");
    assertThat(due.get(0).oldestEventTimestamp()).isEqualTo(Long.MAX_VALUE);
    schedule.done(due.get(0), 2000, MS);
    assertThat(schedule.due(5000)).isEmpty();
    // A new event makes it wait again, and settle again later.
    schedule.event("a", 6000, 6000, 0);
    assertThat(names(schedule.due(6000))).containsExactly("a");
  }

  @Test
  void shouldAnalyseARestoredExperimentSoonThenSettleIt() {
    schedule.restored("a", 1000);
    List<AnalysisSchedule.Turn> due = schedule.due(1000);
    assertThat(names(due)).containsExactly("a");
    assertThat(due.get(0).oldestEventTimestamp()).isEqualTo(Long.MAX_VALUE);
    schedule.done(due.get(0), 1000, MS);
    assertThat(names(schedule.due(2000))).containsExactly("a cold");
  }

  @Test
  void shouldStartAnalysesWithinASliceOfTheRoundWhileTheInputKeepsUp() {
    schedule.event("a", 1000, 900, 100);
    schedule.event("b", 1000, 900, 100);
    List<AnalysisSchedule.Turn> due = schedule.due(1000);
    assertThat(share.behind()).isFalse();
    assertThat(schedule.mayStart()).isTrue();
    nanos.addAndGet(9 * MS);
    schedule.done(due.get(0), 1000, 9 * MS);
    assertThat(schedule.mayStart()).isTrue();
    nanos.addAndGet(AnalysisSchedule.SLICE_MS * MS);
    assertThat(schedule.mayStart()).as("past the slice: the input goes first").isFalse();
    // The next round serves what is left.
    assertThat(names(schedule.due(1025))).containsExactly("b");
    assertThat(schedule.mayStart()).isTrue();
  }

  @Test
  void shouldHoldAnalysesToTheBacklogShareWhileAnyTaskIsBehindAndForASecondAfter() {
    // Another task of the instance took an event that had waited 1 s: behind, for this task too.
    AnalysisSchedule other = new AnalysisSchedule(100, 1000, 500, share, nanos::get);
    nanos.addAndGet(1000 * MS);
    other.event("x", 2000, 1000, 1000);
    schedule.event("b", 2000, 1990, 10);
    assertThat(share.behind()).isTrue();
    List<AnalysisSchedule.Turn> due = schedule.due(2000);
    // The account's credit (its half of a quarter of the elapsed time, at most 25 ms saved) is
    // spent first; then an analysis 40 ms over it waits 320 ms of wall-clock time for the next.
    assertThat(schedule.mayStart()).isTrue();
    schedule.done(due.get(0), 2000, 65 * MS);
    assertThat(schedule.mayStart()).as("25 ms of credit spent by 65 ms").isFalse();
    nanos.addAndGet(319 * MS);
    assertThat(schedule.mayStart()).isFalse();
    nanos.addAndGet(2 * MS);
    assertThat(schedule.mayStart()).isTrue();
    // A second after the last late event the input counts as caught up: the slice again.
    nanos.addAndGet(680 * MS);
    assertThat(share.behind()).isFalse();
    schedule.due(3000);
    assertThat(schedule.mayStart()).isTrue();
    other.close();
  }
}
