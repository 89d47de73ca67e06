package io.cmrwatch.streams.state;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * A key-value store of mutable objects in front of an underlying changelogged store, whose dirty
 * objects are written through once per commit (the base of {@link RunStateStore}). The underlying
 * store does the state-store work (files, changelog, restoration, queries), registered with the
 * outer store as its root.
 *
 * <p>The commit hook is Kafka Streams' internal {@link CachedStateStore} interface, the one its own
 * record cache implements: before each commit the task asks every such store to flush its cache,
 * and the records written then belong to the commit's transaction. The build pins Kafka 4.4; the
 * restart and exactly-once integration tests check the behaviour end to end.
 */
abstract class CachingStoreBase<K, V> implements KeyValueStore<K, V>, CachedStateStore<K, V> {

  private final StateStore inner;
  // The stream thread that writes this store (the owner of its live objects).
  private volatile Thread writer;

  CachingStoreBase(StateStore inner) {
    this.inner = inner;
  }

  /** Records the calling thread as the writer: call on every write. */
  final void claim() {
    writer = Thread.currentThread();
  }

  /**
   * Whether the calling thread is the writer (reads from other threads see the underlying store
   * only).
   */
  final boolean ownThread() {
    return Thread.currentThread() == writer;
  }

  @Override
  public final V putIfAbsent(K key, V value) {
    V old = get(key);
    if (old == null) {
      put(key, value);
    }
    return old;
  }

  @Override
  public final void putAll(List<KeyValue<K, V>> entries) {
    entries.forEach(kv -> put(kv.key, kv.value));
  }

  /** Writes the dirty objects into the underlying store (and so into its changelog). */
  abstract void writeThrough();

  /** Drops the dirty objects (their changes are being discarded). */
  abstract void discard();

  @Override
  public final void flushCache() {
    writeThrough();
  }

  @Override
  public final void clearCache() {
    // The task's uncommitted work is being discarded (exactly-once task corruption): so are the
    // dirty objects.
    discard();
  }

  @Override
  public final boolean setFlushListener(CacheFlushListener<K, V> listener, boolean sendOldValues) {
    return false;
  }

  @Override
  public final String name() {
    return inner.name();
  }

  @Override
  public final void init(StateStoreContext context, StateStore root) {
    inner.init(context, root);
  }

  @Override
  @SuppressWarnings("deprecation")
  public final void flush() {
    writeThrough();
    inner.flush();
  }

  @Override
  public final void commit(Map<TopicPartition, Long> changelogOffsets) {
    writeThrough();
    inner.commit(changelogOffsets);
  }

  @Override
  public final Long committedOffset(TopicPartition partition) {
    return inner.committedOffset(partition);
  }

  @Override
  public final boolean managesOffsets() {
    return inner.managesOffsets();
  }

  @Override
  public final long approximateNumUncommittedBytes() {
    return inner.approximateNumUncommittedBytes();
  }

  @Override
  public final void close() {
    discard();
    inner.close();
  }

  @Override
  public final boolean persistent() {
    return inner.persistent();
  }

  @Override
  public final boolean isOpen() {
    return inner.isOpen();
  }

  @Override
  public final <R> QueryResult<R> query(
      Query<R> query, PositionBound positionBound, QueryConfig config) {
    return inner.query(query, positionBound, config);
  }

  @Override
  public final Position getPosition() {
    return inner.getPosition();
  }

  /**
   * Builds the underlying store (logging as configured, Kafka's record cache off: the outer store
   * is the cache).
   */
  static final class Builder<S extends StateStore, I extends StateStore>
      implements StoreBuilder<S> {

    private final StoreBuilder<I> inner;
    private final Function<I, S> wrap;

    Builder(StoreBuilder<I> inner, Function<I, S> wrap) {
      this.inner = inner.withCachingDisabled();
      this.wrap = wrap;
    }

    @Override
    public StoreBuilder<S> withCachingEnabled() {
      throw new UnsupportedOperationException("store " + inner.name() + " is its own cache");
    }

    @Override
    public StoreBuilder<S> withCachingDisabled() {
      return this;
    }

    @Override
    public StoreBuilder<S> withLoggingEnabled(Map<String, String> config) {
      inner.withLoggingEnabled(config);
      return this;
    }

    @Override
    public StoreBuilder<S> withLoggingDisabled() {
      inner.withLoggingDisabled();
      return this;
    }

    @Override
    public S build() {
      return wrap.apply(inner.build());
    }

    @Override
    public Map<String, String> logConfig() {
      return inner.logConfig();
    }

    @Override
    public boolean loggingEnabled() {
      return inner.loggingEnabled();
    }

    @Override
    public String name() {
      return inner.name();
    }
  }
}
