package io.cmrwatch.streams.topology;

import java.util.function.LongSupplier;

/**
 * The share of a stream thread's wall-clock time that refits may take: a token bucket per thread
 * and level (a thread runs many tasks; run refits and experiment CMR recomputes each have their
 * own, so that neither starves the other). When it is empty, pending refits wait for the next
 * punctuation, oldest first, and events keep flowing into the summaries.
 *
 * <p>The share follows the thread's input. While the input is <em>fresh</em> — the loss events are
 * processed within {@code cmrwatch.refit.fresh-input-ms} of their record timestamps, or none
 * arrived lately — nothing waits behind a refit, and refits may take almost all of the thread
 * ({@link #FRESH_SHARE} per level), in bursts of at most {@link #BURST_NANOS} between looks at the
 * input: the estimates are then as fresh as the CPU allows. Once events wait longer, refits get
 * {@code cmrwatch.refit.max-busy} of the thread (half per level): under a storm the fits get less
 * fresh, the throughput does not collapse.
 *
 * <p>Record timestamps come from the producers' clocks: the delay is taken relative to the smallest
 * delay seen over the last {@link #WINDOW_NANOS} (a constant clock offset cancels out), an offset
 * up to {@link #MAX_OFFSET_MS}.
 */
final class RefitBudget {

  /** Share of the thread each level may take while the input is fresh. */
  static final double FRESH_SHARE = 0.45;

  /**
   * Most credit a level keeps: the longest run of refits before the thread looks at its input again
   * (a longer one holds every event behind it).
   */
  static final long BURST_NANOS = 50_000_000L;

  /** The window of the smallest recent delay (two halves, rolled). */
  static final long WINDOW_NANOS = 60_000_000_000L;

  /**
   * Largest clock offset between producers and this instance taken for one (beyond it, events are
   * late).
   */
  static final long MAX_OFFSET_MS = 1_000;

  /** The two levels, each with its own bucket per thread. */
  enum Level {
    RUN,
    EXPERIMENT;

    private final ThreadLocal<long[]> bucket =
        ThreadLocal.withInitial(() -> new long[] {0, clock.getAsLong()});

    /** Forgets this thread's bucket (tests). */
    void reset() {
      bucket.remove();
    }
  }

  /** What a thread knows about its input: the latest event's delay and the smallest recent ones. */
  private static final class Input {
    long lastNanos = clock.getAsLong();
    long lastDelayMs;
    boolean seen;
    long minCurrent = Long.MAX_VALUE;
    long minPrevious = Long.MAX_VALUE;
    long windowStart = clock.getAsLong();
  }

  private static final ThreadLocal<Input> INPUT = ThreadLocal.withInitial(Input::new);

  /** The monotonic clock (ns); tests replace it. */
  static volatile LongSupplier clock = System::nanoTime;

  private final double backlogShare;
  private final long freshMs;
  private final Level level;

  /**
   * @param maxBusy the share of the thread both levels together may take under a backlog (1 = no
   *     limit)
   * @param freshInputMs the delay up to which the input counts as fresh (0: always apply {@code
   *     maxBusy})
   */
  RefitBudget(double maxBusy, long freshInputMs, Level level) {
    this.backlogShare = maxBusy >= 1 ? 1 : maxBusy / 2;
    this.freshMs = freshInputMs;
    this.level = level;
  }

  /** Forgets what this thread knows about its input (tests). */
  static void resetInput() {
    INPUT.remove();
  }

  /**
   * Notes a loss event taken from the input: its record timestamp, and the thread's wall clock now
   * (ms).
   */
  static void input(long recordTimestampMs, long nowMs) {
    Input in = INPUT.get();
    long t = clock.getAsLong();
    long delay = nowMs - recordTimestampMs;
    if (t - in.windowStart >= WINDOW_NANOS / 2) {
      in.minPrevious = in.minCurrent;
      in.minCurrent = Long.MAX_VALUE;
      in.windowStart = t;
    }
    in.minCurrent = Math.min(in.minCurrent, delay);
    in.lastDelayMs = delay;
    in.lastNanos = t;
    in.seen = true;
  }

  /** Whether this thread's input is fresh now (see the class comment). */
  boolean fresh() {
    if (freshMs <= 0) {
      return false;
    }
    Input in = INPUT.get();
    long idleMs = (clock.getAsLong() - in.lastNanos) / 1_000_000;
    if (idleMs > Math.max(1_000, 4 * freshMs)) {
      return true; // no event lately: nothing is waiting
    }
    if (!in.seen) {
      return false;
    }
    long offset = Math.min(MAX_OFFSET_MS, Math.min(in.minCurrent, in.minPrevious));
    return in.lastDelayMs - offset <= freshMs;
  }

  /**
   * Whether refit time is left (refilling the bucket first); always true with no limit (max-busy
   * 1).
   */
  boolean available() {
    if (backlogShare >= 1) {
      return true;
    }
    boolean fresh = fresh();
    double share = fresh ? FRESH_SHARE : backlogShare;
    long[] b = level.bucket.get();
    long t = clock.getAsLong();
    b[0] = Math.min(BURST_NANOS, b[0] + (long) ((t - b[1]) * share));
    if (fresh) {
      // While nothing waits, an overrun is forgiven beyond one burst.
      b[0] = Math.max(b[0], -BURST_NANOS);
    }
    b[1] = t;
    return b[0] > 0;
  }

  /** Charges a refit that took {@code nanos}. */
  void spend(long nanos) {
    level.bucket.get()[0] -= nanos;
  }
}
