package io.cmrwatch.ingest.tail;

import io.cmrwatch.core.event.Rejection;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Counts of what the tailer has done since it started; safe to read from another thread. */
public final class TailStats {

  private final AtomicLong published = new AtomicLong();
  private final AtomicLong malformed = new AtomicLong();
  private final AtomicLong rotations = new AtomicLong();
  private final Map<Rejection, AtomicLong> byReason = new EnumMap<>(Rejection.class);

  TailStats() {
    for (Rejection r : Rejection.values()) {
      byReason.put(r, new AtomicLong());
    }
  }

  void published(int n) {
    published.addAndGet(n);
  }

  void countMalformed(Rejection reason) {
    malformed.incrementAndGet();
    byReason.get(reason).incrementAndGet();
  }

  void rotated() {
    rotations.incrementAndGet();
  }

  /** Events acknowledged by Kafka. */
  public long published() {
    return published.get();
  }

  /** Lines skipped as malformed or impossible. */
  public long malformed() {
    return malformed.get();
  }

  /** Malformed lines with the given reason. */
  public long malformed(Rejection reason) {
    return byReason.get(reason).get();
  }

  /** Rotations and truncations followed. */
  public long rotations() {
    return rotations.get();
  }

  @Override
  public String toString() {
    return "published=" + published() + " malformed=" + malformed() + " rotations=" + rotations();
  }
}
