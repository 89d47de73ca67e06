package io.cmrwatch.streams.topology;

/**
 * The share of a stream thread's wall-clock time that refits (run laws and experiment CMRs) may take: a token bucket
 * per thread (a thread runs many tasks), refilled at {@code cmrwatch.refit.max-busy} × elapsed time and holding at
 * most one second. When it is empty, pending refits wait for the next punctuation, oldest first, and events keep
 * flowing into the summaries: under a storm the fits get less fresh, the throughput does not collapse.
 */
final class RefitBudget {

  private static final ThreadLocal<long[]> BUCKET = ThreadLocal.withInitial(() -> new long[] {0, System.nanoTime()});

  private final double maxBusy;

  RefitBudget(double maxBusy) {
    this.maxBusy = maxBusy;
  }

  /** Whether refit time is left (refilling the bucket first); always true with no limit (max-busy 1). */
  boolean available() {
    if (maxBusy >= 1) {
      return true;
    }
    long[] b = BUCKET.get();
    long t = System.nanoTime();
    b[0] = Math.min(1_000_000_000L, b[0] + (long) ((t - b[1]) * maxBusy));
    b[1] = t;
    return b[0] > 0;
  }

  /** Charges a refit that took {@code nanos}. */
  void spend(long nanos) {
    BUCKET.get()[0] -= nanos;
  }
}
