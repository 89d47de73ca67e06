package io.cmrwatch.streams.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The share of the threads analyses may take while the input is behind, split between tasks. */
class BacklogShareTest {

  static final long MS = 1_000_000L;

  /** Spends an account's credit now, in analyses of 1 ms; returns how many. */
  private static long spend(BacklogShare.Account a) {
    long n = 0;
    while (a.available()) {
      a.charge(MS);
      n++;
    }
    return n;
  }

  @Test
  void shouldGiveEachOpenTaskItsPartOfTheThreadsShare() {
    AtomicLong nanos = new AtomicLong();
    BacklogShare share = new BacklogShare(0.3, 2, nanos::get);
    BacklogShare.Account a = share.open();
    BacklogShare.Account b = share.open();
    BacklogShare.Account c = share.open();
    // 0.3 of 2 threads between 3 tasks: 0.2 each; over 10 s, 2 s each (within a ms at the ends).
    long[] spent = new long[3];
    for (int ms = 0; ms < 10_000; ms++) {
      spent[0] += spend(a);
      spent[1] += spend(b);
      spent[2] += spend(c);
      nanos.addAndGet(MS);
    }
    for (long x : spent) {
      assertThat(x).isBetween(1999L, 2001L);
    }
    // One task closes (twice: no harm): the other two share it, 0.3 each.
    c.close();
    c.close();
    long later = 0;
    for (int ms = 0; ms < 1000; ms++) {
      later += spend(a);
      spend(b);
      nanos.addAndGet(MS);
    }
    assertThat(later).isBetween(299L, 301L);
  }

  @Test
  void shouldSaveAtMostTwoHundredMillisecondsOfItsRate() {
    AtomicLong nanos = new AtomicLong();
    BacklogShare.Account a = new BacklogShare(0.5, 1, nanos::get).open();
    nanos.addAndGet(60_000 * MS);
    assertThat(spend(a)).isEqualTo(100);
  }

  @Test
  void shouldBeBehindForASecondAfterTheLastLateEvent() {
    AtomicLong nanos = new AtomicLong(5_000 * MS);
    BacklogShare share = new BacklogShare(0.25, 1, nanos::get);
    assertThat(share.behind()).isFalse();
    share.late();
    nanos.addAndGet(999 * MS);
    assertThat(share.behind()).isTrue();
    share.late();
    nanos.addAndGet(999 * MS);
    assertThat(share.behind()).isTrue();
    nanos.addAndGet(1 * MS);
    assertThat(share.behind()).isFalse();
  }

  @Test
  void shouldRejectAShareOutsideZeroToOne() {
    assertThatThrownBy(() -> new BacklogShare(0, 1, System::nanoTime))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BacklogShare(1.5, 1, System::nanoTime))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
