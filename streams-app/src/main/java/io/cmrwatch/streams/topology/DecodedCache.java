package io.cmrwatch.streams.topology;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * Deserialised experiments a task keeps between events (their runs' states and latest analysis),
 * least recently used first out, within a heap budget that all caches of this instance share
 * ({@link Budget}, {@code cmrwatch.cache.decoded-bytes}). An evicted value is read back from the
 * state stores when it is next needed: the budget trades decoding time for heap, so that many long
 * runs and experiments slow the app down instead of exhausting its memory.
 *
 * <p>Each value's weight is the {@code weigher}'s estimate, taken again at every {@link #put} (a
 * run's summary grows with its events). A cache that goes over the shared budget evicts its own
 * least recently used values; the budget can therefore be exceeded by at most the one value each
 * cache keeps while another holds the rest. Owned by one stream thread (the budget's total is
 * shared across threads).
 */
final class DecodedCache<V> {

  /**
   * The heap bytes that all caches of one app instance may hold together, and what they hold now.
   */
  static final class Budget {
    private final long limitBytes;
    private final AtomicLong usedBytes = new AtomicLong();
    private final AtomicLong evictions = new AtomicLong();

    Budget(long limitBytes) {
      if (limitBytes <= 0) {
        throw new IllegalArgumentException(
            "a decoded-cache budget must be positive, not " + limitBytes);
      }
      this.limitBytes = limitBytes;
    }

    long limitBytes() {
      return limitBytes;
    }

    /** The estimated bytes all caches hold now. */
    long usedBytes() {
      return usedBytes.get();
    }

    /** How many values all caches evicted to keep within the budget. */
    long evictions() {
      return evictions.get();
    }

    private boolean over() {
      return usedBytes.get() > limitBytes;
    }
  }

  private static final class Entry<V> {
    final V value;
    final long weight;

    Entry(V value, long weight) {
      this.value = value;
      this.weight = weight;
    }
  }

  private final Budget budget;
  private final ToLongFunction<V> weigher;
  private final LinkedHashMap<String, Entry<V>> entries = new LinkedHashMap<>(1024, 0.75f, true);

  DecodedCache(Budget budget, ToLongFunction<V> weigher) {
    this.budget = budget;
    this.weigher = weigher;
  }

  /** The value of {@code key}, or null when not held (never held, or evicted). */
  V get(String key) {
    Entry<V> e = entries.get(key);
    return e == null ? null : e.value;
  }

  /**
   * Holds {@code value} (weighing it again), then evicts least recently used values while over the
   * budget.
   */
  void put(String key, V value) {
    long weight = weigher.applyAsLong(value);
    Entry<V> old = entries.put(key, new Entry<>(value, weight));
    budget.usedBytes.addAndGet(weight - (old == null ? 0 : old.weight));
    // The value just put is the most recently used, the last in order: while another is held, the
    // eldest is not it.
    for (Iterator<Entry<V>> it = entries.values().iterator();
        entries.size() > 1 && budget.over(); ) {
      Entry<V> eldest = it.next();
      it.remove();
      budget.usedBytes.addAndGet(-eldest.weight);
      budget.evictions.incrementAndGet();
    }
  }

  /** Drops {@code key}'s value, if held. */
  void remove(String key) {
    Entry<V> e = entries.remove(key);
    if (e != null) {
      budget.usedBytes.addAndGet(-e.weight);
    }
  }

  /** Drops every value (the task closes), giving their bytes back to the budget. */
  void clear() {
    long held = 0;
    for (Entry<V> e : entries.values()) {
      held += e.weight;
    }
    entries.clear();
    budget.usedBytes.addAndGet(-held);
  }

  /** How many values are held. */
  int size() {
    return entries.size();
  }
}
