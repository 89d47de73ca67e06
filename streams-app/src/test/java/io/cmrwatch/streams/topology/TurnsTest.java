package io.cmrwatch.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Oldest first across a thread's tasks: a queue may take an item only if it has waited at least
 * half as long as the oldest item another queue of the thread reported, or became due within the
 * band of it; reports are per thread and level, withdrawn on close, and ignored once stale.
 */
class TurnsTest {

  private final Turns a = new Turns(Turns.Level.RUN, 100, 5_000);
  private final Turns b = new Turns(Turns.Level.RUN, 100, 5_000);
  private final Turns c = new Turns(Turns.Level.RUN, 100, 5_000);

  @AfterEach
  void close() {
    a.close();
    b.close();
    c.close();
  }

  @Test
  void shouldLimitAQueueByTheOldestItemOtherQueuesReported() {
    assertThat(a.limit(1_000)).isEqualTo(Long.MAX_VALUE);
    assertThat(a.othersWaiting(1_000)).isFalse();

    a.waiting(900, 1_000);
    // Its own report does not hold a queue back.
    assertThat(a.limit(1_000)).isEqualTo(Long.MAX_VALUE);
    assertThat(a.othersWaiting(1_000)).isFalse();
    // Waiting 100 ms: items due within the band of it go (and one arriving now would not).
    assertThat(b.limit(1_000)).isEqualTo(1_000);
    assertThat(b.othersWaiting(1_000)).isTrue();
    // Waiting 1 s: items that waited half as long go, newer ones wait.
    assertThat(b.limit(1_900)).isEqualTo(1_400);

    b.waiting(1_300, 1_900);
    c.waiting(1_100, 1_900);
    assertThat(a.limit(1_900)).isEqualTo(1_100 + 400);
    assertThat(b.limit(1_900)).isEqualTo(900 + 500);
    assertThat(c.limit(1_900)).isEqualTo(900 + 500);

    // A queue with nothing left withdraws; so does a queue whose task closes.
    a.waiting(Long.MAX_VALUE, 1_900);
    assertThat(b.limit(1_900)).isEqualTo(1_100 + 400);
    c.close();
    assertThat(b.limit(1_900)).isEqualTo(Long.MAX_VALUE);
    assertThat(b.othersWaiting(1_900)).isFalse();
    assertThat(a.limit(1_900)).isEqualTo(1_300 + 300);
  }

  @Test
  void shouldWithdrawAReportWhoseItemWasServedOutsideAPunctuation() {
    a.waiting(1_000, 1_000);
    a.served(1_200, 1_100); // another item: the report stands
    assertThat(b.limit(1_100)).isEqualTo(1_100);
    a.served(1_000, 1_100);
    assertThat(b.limit(1_100)).isEqualTo(Long.MAX_VALUE);
    a.served(1_000, 1_100); // nothing reported: nothing happens
    assertThat(b.othersWaiting(1_100)).isFalse();
  }

  @Test
  void shouldIgnoreAReportNotRefreshedWithinTheStaleTime() {
    a.waiting(1_000, 1_000);
    assertThat(b.limit(5_999)).isEqualTo(1_000 + 2_499);
    assertThat(b.limit(6_000)).isEqualTo(Long.MAX_VALUE);
    assertThat(b.othersWaiting(6_000)).isFalse();
    a.waiting(1_000, 6_000); // refreshed: counts again
    assertThat(b.limit(6_000)).isEqualTo(1_000 + 2_500);
  }

  @Test
  void shouldKeepThreadsAndLevelsApart() throws Exception {
    a.waiting(1_000, 1_000);
    Turns experiments = new Turns(Turns.Level.EXPERIMENT, 100, 5_000);
    assertThat(experiments.limit(1_000)).isEqualTo(Long.MAX_VALUE);
    // Another stream thread has its own reports.
    long other = CompletableFuture.supplyAsync(() -> b.limit(1_000)).get();
    assertThat(other).isEqualTo(Long.MAX_VALUE);
    assertThat(b.limit(1_000)).isEqualTo(1_100);
  }

  @Test
  void shouldKeepReportsAtLeastFiveSecondsOrTenPunctuations() {
    assertThat(Turns.staleAfter(100)).isEqualTo(5_000);
    assertThat(Turns.staleAfter(2_000)).isEqualTo(20_000);
  }
}
