package io.cmrwatch.streams.topology;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Oldest first across the tasks of a stream thread. A thread runs many tasks (one per input
 * partition and step), each with its own queue of runs or experiments waiting for a refit, and
 * Kafka Streams calls their punctuations in the same task order every time: without this, the first
 * tasks spent the thread's {@link RefitBudget} on their own queues and the last tasks' runs waited
 * for the budget to be left over.
 *
 * <p>Each queue reports, at every punctuation, the wall-clock time since which its oldest item that
 * is due waits ({@link #waiting}). An item of another queue may then go only if it has waited at
 * least half as long as that oldest one, or began waiting within a punctuation interval of it
 * ({@link #limit}); the same rule decides whether an arriving item is refitted at once. Items that
 * waited long therefore go before recent ones whichever task holds them, while each punctuation
 * still serves a wide enough band of items that no queue waits on another's report (with strict
 * oldest first, tasks whose items interleave in time would serve one or two items a cycle). A
 * report not refreshed for {@code staleMs} (its task went away without closing) no longer counts.
 * Owned by one stream thread per level (like the budget).
 */
final class Turns {

  /** The two levels (run refits, experiment recomputes), each with its own reports per thread. */
  enum Level {
    RUN,
    EXPERIMENT;

    // Per queue: {since, reported at} (wall-clock ms).
    private final ThreadLocal<Map<Turns, long[]>> waiting =
        ThreadLocal.withInitial(IdentityHashMap::new);
  }

  private final Level level;
  private final long bandMs;
  private final long staleMs;

  /**
   * How long a report counts without being refreshed, for punctuations every {@code punctuateMs}:
   * ten of them, and at least 5 s (a punctuation can come late behind a long commit).
   */
  static long staleAfter(long punctuateMs) {
    return Math.max(5_000, 10 * punctuateMs);
  }

  /**
   * The turns of a queue served by punctuations every {@code punctuateMs}: the band is one
   * interval.
   */
  static Turns forPunctuations(Level level, long punctuateMs) {
    return new Turns(level, punctuateMs, staleAfter(punctuateMs));
  }

  /**
   * @param bandMs how much later than another queue's oldest item an item may have begun waiting
   *     and still go (the punctuation interval)
   * @param staleMs how long a report counts without being refreshed
   */
  Turns(Level level, long bandMs, long staleMs) {
    this.level = level;
    this.bandMs = bandMs;
    this.staleMs = staleMs;
  }

  /**
   * Reports, at wall-clock {@code nowMs}, the wall-clock ms since which this queue's oldest item
   * waits; {@code Long.MAX_VALUE}: none waits.
   */
  void waiting(long sinceMs, long nowMs) {
    if (sinceMs == Long.MAX_VALUE) {
      level.waiting.get().remove(this);
    } else {
      level.waiting.get().put(this, new long[] {sinceMs, nowMs});
    }
  }

  /**
   * The latest wall-clock ms since which an item of this queue may have waited and still go now:
   * another queue's oldest reported item, plus half of its wait so far or the band, whichever is
   * longer; {@code Long.MAX_VALUE} when no other queue reported one.
   */
  long limit(long nowMs) {
    long oldest = Long.MAX_VALUE;
    for (Map.Entry<Turns, long[]> e : level.waiting.get().entrySet()) {
      if (e.getKey() != this && nowMs - e.getValue()[1] < staleMs) {
        oldest = Math.min(oldest, e.getValue()[0]);
      }
    }
    return oldest == Long.MAX_VALUE ? oldest : oldest + Math.max(bandMs, (nowMs - oldest) / 2);
  }

  /** Whether another queue of the thread reported an item waiting. */
  boolean othersWaiting(long nowMs) {
    return limit(nowMs) != Long.MAX_VALUE;
  }

  /**
   * Notes that the item waiting since {@code sinceMs} went outside a punctuation: when it was the
   * one reported, the report is withdrawn until the next punctuation, so that other queues do not
   * wait for an item already served.
   */
  void served(long sinceMs, long nowMs) {
    long[] r = level.waiting.get().get(this);
    if (r != null && r[0] == sinceMs) {
      waiting(Long.MAX_VALUE, nowMs);
    }
  }

  /** Withdraws this queue's report (its task closes). */
  void close() {
    level.waiting.get().remove(this);
  }
}
