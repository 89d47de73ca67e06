package io.cmrwatch.streams.schedule;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Whether this instance's input is behind, and the stream threads' time that analyses may take
 * while it is: {@code share} of each thread, split evenly between the tasks open in this instance.
 * Each task draws on its own {@link Account}, credited in wall-clock time at its part of the share
 * and charged with the time its analyses take; so the input keeps flowing at (1 − share) of the
 * threads or more, whatever the order in which Kafka Streams runs the tasks, and no task's analyses
 * wait on another's. The input is behind for all tasks as long as any took a late event within the
 * last {@value #BEHIND_FOR_MS} ms: a thread serves all of its tasks, and one task's backlog waits
 * behind the others' analyses too.
 */
public final class BacklogShare {

  /** Credit an account may save up: this long at its rate (a burst after a quiet spell). */
  static final long MAX_SAVED_NANOS = 200_000_000L;

  /** The input counts as behind for this long after a late event. */
  static final long BEHIND_FOR_MS = 1000;

  private final double share;
  private final int threads;
  private final LongSupplier nanoClock;
  private final AtomicInteger open = new AtomicInteger();
  private volatile long lateNanos = Long.MIN_VALUE;

  /**
   * @param share the part of a thread analyses may take while the input is behind, in (0, 1]
   * @param threads the instance's stream threads
   * @param nanoClock a monotonic clock in nanoseconds (System::nanoTime)
   */
  public BacklogShare(double share, int threads, LongSupplier nanoClock) {
    if (!(share > 0 && share <= 1)) {
      throw new IllegalArgumentException("share must be in (0, 1], got " + share);
    }
    this.share = share;
    this.threads = threads;
    this.nanoClock = nanoClock;
  }

  /** A task took an event that had waited longer than the input may wait. */
  public void late() {
    lateNanos = nanoClock.getAsLong();
  }

  /** Whether some task took a late event within the last {@value #BEHIND_FOR_MS} ms. */
  public boolean behind() {
    long late = lateNanos;
    return late != Long.MIN_VALUE && nanoClock.getAsLong() - late < BEHIND_FOR_MS * 1_000_000L;
  }

  /** An account for one task; close it when the task closes. */
  public Account open() {
    open.incrementAndGet();
    return new Account();
  }

  /** One task's part of the share: credit in nanoseconds of analysis. */
  public final class Account implements AutoCloseable {
    private long credit;
    private long last = nanoClock.getAsLong();
    private boolean closed;

    private Account() {}

    /** Whether the task may start an analysis now (its credit is positive). */
    public boolean available() {
      refill();
      return credit > 0;
    }

    /** Charges {@code nanos} of analysis time. */
    public void charge(long nanos) {
      refill();
      credit -= nanos;
    }

    private double rate() {
      return share * threads / Math.max(1, open.get());
    }

    private void refill() {
      long now = nanoClock.getAsLong();
      double rate = rate();
      credit = Math.min((long) (rate * MAX_SAVED_NANOS), credit + (long) ((now - last) * rate));
      last = now;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        open.decrementAndGet();
      }
    }
  }
}
