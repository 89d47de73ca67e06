package io.cmrwatch.streams.state;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The store of run states ({@code runs}), kept piecewise: under a run's key {@code K} the
 * underlying store holds {@code K␁h} (the head: bookkeeping, alerts, the summary without its bins),
 * {@code K␁f} (the published fit's JSON) and {@code K␁b<index>} (one record per summary bin). An
 * event changes the head and one bin, so a commit writes (and logs) a few hundred bytes for a run
 * instead of its whole state of several KB; the fit is written only when it was published.
 *
 * <p>The stream thread's writes stay objects until the commit, which serialises each changed state
 * once (see {@link CachingStoreBase}): a state changes with every event, and serialising it per
 * event would be most of the cost of an event. Reads see whole {@link RunState}s: from the writing
 * thread its live objects; from other threads (interactive queries) the state as of the last
 * commit, reassembled from its parts.
 */
public final class RunStateStore extends CachingStoreBase<String, RunState> {

  /** Separates a run's key from its part name (ids cannot contain control characters). */
  static final char PART = '\u0001';

  private static final StringSerializer KEYS = new StringSerializer();

  private final KeyValueStore<String, byte[]> inner;
  // Dirty states by key; the value's own marks say which parts changed.
  private final Map<String, RunState> dirty = new HashMap<>();

  RunStateStore(KeyValueStore<String, byte[]> inner) {
    super(inner);
    this.inner = inner;
  }

  /** A builder of the persistent, changelogged store named {@code name}. */
  public static StoreBuilder<RunStateStore> persistent(String name) {
    return over(Stores.persistentKeyValueStore(name));
  }

  /** A builder over the given bytes store (e.g. in-memory, for tests). */
  public static StoreBuilder<RunStateStore> over(KeyValueBytesStoreSupplier supplier) {
    return new Builder<>(
        Stores.keyValueStoreBuilder(supplier, Serdes.String(), Serdes.ByteArray()),
        RunStateStore::new);
  }

  @Override
  void writeThrough() {
    if (dirty.isEmpty()) {
      return;
    }
    for (Map.Entry<String, RunState> e : dirty.entrySet()) {
      String key = e.getKey();
      e.getValue()
          .writeParts(
              new RunState.PartWriter() {
                @Override
                public void head(byte[] head) {
                  inner.put(key + PART + 'h', head);
                }

                @Override
                public void fit(byte[] fit) {
                  inner.put(key + PART + 'f', fit);
                }

                @Override
                public void bin(int index, byte[] bin) {
                  inner.put(key + PART + 'b' + index, bin);
                }
              });
    }
    dirty.clear();
  }

  @Override
  void discard() {
    dirty.clear();
  }

  @Override
  public void put(String key, RunState value) {
    claim();
    if (value == null) {
      delete(key);
    } else {
      dirty.put(key, value);
    }
  }

  @Override
  public RunState get(String key) {
    if (ownThread()) {
      RunState s = dirty.get(key);
      if (s != null) {
        return s;
      }
    }
    RunState s = null;
    try (Grouping it = new Grouping(inner.prefixScan(key + PART, KEYS))) {
      if (it.hasNext()) {
        s = it.next().value;
      }
    }
    return s;
  }

  @Override
  public RunState delete(String key) {
    RunState old = get(key);
    dirty.remove(key);
    List<String> parts = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = inner.prefixScan(key + PART, KEYS)) {
      it.forEachRemaining(kv -> parts.add(kv.key));
    }
    parts.forEach(k -> inner.put(k, null));
    return old;
  }

  @Override
  public KeyValueIterator<String, RunState> range(String from, String to) {
    if (ownThread()) {
      writeThrough();
    }
    return new Grouping(inner.range(from, to + PART + '\uffff'), from, to);
  }

  @Override
  public KeyValueIterator<String, RunState> reverseRange(String from, String to) {
    throw new UnsupportedOperationException("the run-state store is read forwards only");
  }

  @Override
  public KeyValueIterator<String, RunState> all() {
    if (ownThread()) {
      writeThrough();
    }
    return new Grouping(inner.all());
  }

  @Override
  public KeyValueIterator<String, RunState> reverseAll() {
    throw new UnsupportedOperationException("the run-state store is read forwards only");
  }

  @Override
  public <PS extends Serializer<P>, P> KeyValueIterator<String, RunState> prefixScan(
      P prefix, PS prefixKeySerializer) {
    if (ownThread()) {
      writeThrough();
    }
    return new Grouping(inner.prefixScan(prefix, prefixKeySerializer));
  }

  /** Approximate, as the contract allows: the underlying count of parts, not of runs. */
  @Override
  public long approximateNumEntries() {
    return inner.approximateNumEntries();
  }

  /**
   * Whole states from the underlying key-ordered entries: a run's parts are adjacent (its key, then
   * {@code ␁} and the part name, and {@code ␁} sorts before every character an id may hold).
   */
  private static final class Grouping implements KeyValueIterator<String, RunState> {
    private final KeyValueIterator<String, byte[]> parts;
    private final String from;
    private final String to;
    private final Deque<KeyValue<String, RunState>> ready = new ArrayDeque<>();

    Grouping(KeyValueIterator<String, byte[]> parts) {
      this(parts, null, null);
    }

    Grouping(KeyValueIterator<String, byte[]> parts, String from, String to) {
      this.parts = parts;
      this.from = from;
      this.to = to;
    }

    private static String base(String key) {
      int i = key.indexOf(PART);
      return i < 0 ? key : key.substring(0, i);
    }

    private boolean inRange(String key) {
      return (from == null || key.compareTo(from) >= 0) && (to == null || key.compareTo(to) <= 0);
    }

    private void fill() {
      while (ready.isEmpty() && parts.hasNext()) {
        String key = base(parts.peekNextKey());
        byte[] head = null;
        byte[] fit = null;
        Map<Integer, byte[]> bins = new TreeMap<>();
        while (parts.hasNext() && base(parts.peekNextKey()).equals(key)) {
          KeyValue<String, byte[]> kv = parts.next();
          int i = kv.key.indexOf(PART);
          if (i < 0) {
            throw new IllegalStateException("run-state record " + kv.key + " is not a part");
          } else if (kv.key.charAt(i + 1) == 'h') {
            head = kv.value;
          } else if (kv.key.charAt(i + 1) == 'f') {
            fit = kv.value;
          } else if (kv.key.charAt(i + 1) == 'b') {
            bins.put(Integer.parseInt(kv.key.substring(i + 2)), kv.value);
          } else {
            throw new IllegalStateException(
                "unknown run-state part " + kv.key.substring(i + 1) + " of " + key);
          }
        }
        if (!inRange(key)) {
          continue;
        }
        if (head != null) {
          ready.add(KeyValue.pair(key, RunState.fromParts(head, fit, bins)));
        }
      }
    }

    @Override
    public boolean hasNext() {
      fill();
      return !ready.isEmpty();
    }

    @Override
    public KeyValue<String, RunState> next() {
      fill();
      if (ready.isEmpty()) {
        throw new NoSuchElementException();
      }
      return ready.poll();
    }

    @Override
    public String peekNextKey() {
      fill();
      if (ready.isEmpty()) {
        throw new NoSuchElementException();
      }
      return ready.peek().key;
    }

    @Override
    public void close() {
      parts.close();
    }
  }
}
