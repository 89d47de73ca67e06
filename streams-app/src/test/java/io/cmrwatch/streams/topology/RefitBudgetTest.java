package io.cmrwatch.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The refit budget on a simulated clock: refits take almost all of a thread whose input is fresh
 * (in bursts), only max-busy once events wait, a constant producer clock offset is not mistaken for
 * a backlog, and a thread that gets no events counts as fresh.
 */
class RefitBudgetTest {

  private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);
  private long wallMs = 1_800_000_000_000L;

  @BeforeEach
  void fakeClock() {
    RefitBudget.clock = nanos::get;
    RefitBudget.resetInput();
    RefitBudget.Level.RUN.reset();
  }

  @AfterEach
  void realClock() {
    RefitBudget.clock = System::nanoTime;
    RefitBudget.resetInput();
    RefitBudget.Level.RUN.reset();
  }

  private void advanceMs(long ms) {
    nanos.addAndGet(ms * 1_000_000);
    wallMs += ms;
  }

  /**
   * Events arriving {@code delayMs} after their record timestamps, one per ms, while refits run
   * when allowed.
   */
  private double refitShare(RefitBudget b, long delayMs, long offsetMs, int ms) {
    long refit = 0;
    for (int i = 0; i < ms; i++) {
      RefitBudget.input(wallMs - delayMs - offsetMs, wallMs);
      if (b.available()) {
        b.spend(1_000_000); // a refit of 1 ms
        refit++;
        advanceMs(1);
      }
      advanceMs(1);
    }
    return refit / (double) (refit + ms);
  }

  @Test
  void shouldGiveRefitsAlmostAllOfAThreadWithFreshInputAndMaxBusyUnderABacklog() {
    RefitBudget b = new RefitBudget(0.25, 100, RefitBudget.Level.RUN);
    RefitBudget.input(wallMs, wallMs); // the smallest delay seen: no offset
    double fresh = refitShare(b, 5, 0, 5_000);
    assertThat(fresh).isBetween(0.30, 0.50);

    double stale = refitShare(b, 3_000, 0, 5_000);
    assertThat(stale).isBetween(0.10, 0.14); // half of max-busy 0.25 for this level
    assertThat(stale).isLessThan(fresh / 2);
  }

  @Test
  void shouldNotRunLongerThanABurstBeforeLookingAtTheInput() {
    RefitBudget b = new RefitBudget(0.25, 100, RefitBudget.Level.RUN);
    RefitBudget.input(wallMs, wallMs);
    advanceMs(500); // idle for half a second: the credit is capped
    int inARow = 0;
    while (b.available()) {
      b.spend(1_000_000);
      advanceMs(1);
      inARow++;
    }
    assertThat(inARow * 1_000_000L).isLessThanOrEqualTo(RefitBudget.BURST_NANOS * 2);
  }

  @Test
  void shouldTakeAConstantClockOffsetForOneAndALargeDelayForABacklog() {
    RefitBudget b = new RefitBudget(0.25, 100, RefitBudget.Level.RUN);
    RefitBudget.input(wallMs - 800, wallMs); // the producer's clock runs 800 ms behind
    assertThat(refitShare(b, 10, 800, 3_000)).isGreaterThan(0.3);
    assertThat(b.fresh()).isTrue();

    RefitBudget.resetInput();
    RefitBudget.input(wallMs - 5_000, wallMs); // beyond any clock offset: a backlog
    assertThat(b.fresh()).isFalse();
  }

  @Test
  void shouldCountAThreadWithoutEventsAsFreshAndHonourTheSwitches() {
    RefitBudget b = new RefitBudget(0.25, 100, RefitBudget.Level.RUN);
    RefitBudget.input(wallMs - 5_000, wallMs);
    assertThat(b.fresh()).isFalse();
    advanceMs(2_000); // no event since
    assertThat(b.fresh()).isTrue();

    assertThat(new RefitBudget(0.25, 0, RefitBudget.Level.RUN).fresh())
        .isFalse(); // 0: always max-busy
    RefitBudget unlimited = new RefitBudget(1, 100, RefitBudget.Level.RUN);
    unlimited.spend(10_000_000_000L);
    assertThat(unlimited.available()).isTrue();
  }
}
