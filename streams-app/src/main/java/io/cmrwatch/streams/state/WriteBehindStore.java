package io.cmrwatch.streams.state;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * A key-value store of mutable objects that are serialised once per commit, not once per write: the
 * stream thread's {@link #put} only remembers the object as dirty; before each commit Kafka Streams
 * asks the store to flush its cache ({@link #flushCache}), which writes every dirty object once
 * into the underlying changelogged store. Its changelog records are therefore in the same
 * transaction as the input offsets they account for — under exactly-once a crash loses nothing that
 * was committed and keeps nothing that was not.
 *
 * <p>Why not Kafka's own record cache: it serialises the value on every put. A run's state (its
 * bounded curve summary and latest fit) is a few KB and changes with every event; serialising it
 * per event was the largest cost of the per-run step (see docs/streams.md, "Performance").
 *
 * <p>The objects are owned by the stream thread that writes them. Reads from that thread see its
 * writes; reads from any other thread (interactive queries) see the underlying store, i.e. the
 * state as of the last commit, and never a live object another thread is changing. Range reads from
 * the writing thread first write the dirty objects through, so that they see them too.
 *
 * <p>The commit hook is described at {@link CachingStoreBase}.
 */
public final class WriteBehindStore<K, V> extends CachingStoreBase<K, V> {

  private final KeyValueStore<K, V> inner;
  private final Map<K, V> dirty = new HashMap<>();

  WriteBehindStore(KeyValueStore<K, V> inner) {
    super(inner);
    this.inner = inner;
  }

  /**
   * A builder of a persistent, changelogged write-behind store named {@code name} (RocksDB
   * underneath, no record cache: this store is the cache).
   */
  public static <K, V> StoreBuilder<WriteBehindStore<K, V>> persistent(
      String name, Serde<K> keys, Serde<V> values) {
    return over(Stores.persistentKeyValueStore(name), keys, values);
  }

  /**
   * As {@link #persistent(String, Serde, Serde)} over the given bytes store (e.g. in-memory, for
   * tests).
   */
  public static <K, V> StoreBuilder<WriteBehindStore<K, V>> over(
      KeyValueBytesStoreSupplier supplier, Serde<K> keys, Serde<V> values) {
    return new Builder<>(
        Stores.keyValueStoreBuilder(supplier, keys, values), WriteBehindStore::new);
  }

  /** Writes every dirty object into the underlying store (and so into its changelog). */
  @Override
  void writeThrough() {
    if (dirty.isEmpty()) {
      return;
    }
    for (Map.Entry<K, V> e : dirty.entrySet()) {
      inner.put(e.getKey(), e.getValue());
    }
    dirty.clear();
  }

  // --- the write-behind part

  @Override
  public void put(K key, V value) {
    claim();
    if (value == null) {
      dirty.remove(key);
      inner.delete(key);
    } else {
      dirty.put(key, value);
    }
  }

  @Override
  public V get(K key) {
    if (ownThread()) {
      V v = dirty.get(key);
      if (v != null) {
        return v;
      }
    }
    return inner.get(key);
  }

  @Override
  public V delete(K key) {
    V old = get(key);
    put(key, null);
    return old;
  }

  @Override
  void discard() {
    dirty.clear();
  }

  // --- reads over ranges see the dirty objects by writing them through first (only from the
  // writing thread)

  @Override
  public KeyValueIterator<K, V> range(K from, K to) {
    if (ownThread()) {
      writeThrough();
    }
    return inner.range(from, to);
  }

  @Override
  public KeyValueIterator<K, V> reverseRange(K from, K to) {
    if (ownThread()) {
      writeThrough();
    }
    return inner.reverseRange(from, to);
  }

  @Override
  public KeyValueIterator<K, V> all() {
    if (ownThread()) {
      writeThrough();
    }
    return inner.all();
  }

  @Override
  public KeyValueIterator<K, V> reverseAll() {
    if (ownThread()) {
      writeThrough();
    }
    return inner.reverseAll();
  }

  @Override
  public <PS extends Serializer<P>, P> KeyValueIterator<K, V> prefixScan(
      P prefix, PS prefixKeySerializer) {
    if (ownThread()) {
      writeThrough();
    }
    return inner.prefixScan(prefix, prefixKeySerializer);
  }

  @Override
  public long approximateNumEntries() {
    return inner.approximateNumEntries() + (ownThread() ? dirty.size() : 0);
  }
}
