package io.cmrwatch.streams.topology;

/**
 * The share of a stream thread's wall-clock time that refits may take: a token bucket per thread and level (a thread
 * runs many tasks; run refits and experiment CMR recomputes each get half of {@code cmrwatch.refit.max-busy}, so that
 * neither starves the other), refilled at that share × elapsed time and holding at most one second. When it is
 * empty, pending refits wait for the next punctuation, oldest first, and events keep flowing into the summaries:
 * under a storm the fits get less fresh, the throughput does not collapse.
 */
final class RefitBudget {

  /** The two levels, each with its own bucket per thread. */
  enum Level {
    RUN,
    EXPERIMENT;

    private final ThreadLocal<long[]> bucket = ThreadLocal.withInitial(() -> new long[] {0, System.nanoTime()});
  }

  private final double share;
  private final Level level;

  RefitBudget(double maxBusy, Level level) {
    this.share = maxBusy >= 1 ? 1 : maxBusy / 2;
    this.level = level;
  }

  /** Whether refit time is left (refilling the bucket first); always true with no limit (max-busy 1). */
  boolean available() {
    if (share >= 1) {
      return true;
    }
    long[] b = level.bucket.get();
    long t = System.nanoTime();
    b[0] = Math.min(1_000_000_000L, b[0] + (long) ((t - b[1]) * share));
    b[1] = t;
    return b[0] > 0;
  }

  /** Charges a refit that took {@code nanos}. */
  void spend(long nanos) {
    level.bucket.get()[0] -= nanos;
  }
}
