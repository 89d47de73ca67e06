package io.cmrwatch.streams.state;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * Common part of this app's object-caching stores ({@link WriteBehindStore}, {@link RunStateStore}): a key-value
 * store in front of an underlying changelogged store, whose dirty objects are written through once per commit. The
 * underlying store does the state-store work (files, changelog, restoration, queries), registered with the outer
 * store as its root.
 *
 * <p>The commit hook is Kafka Streams' internal {@link CachedStateStore} interface, the one its own record cache
 * implements: before each commit the task asks every such store to flush its cache, and the records written then
 * belong to the commit's transaction. The build pins Kafka 4.4; the restart and exactly-once integration tests check
 * the behaviour end to end.
 */
abstract class CachingStoreBase<K, V> implements KeyValueStore<K, V>, CachedStateStore<K, V> {

  private final StateStore inner;

  CachingStoreBase(StateStore inner) {
    this.inner = inner;
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
    // The task's uncommitted work is being discarded (exactly-once task corruption): so are the dirty objects.
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
  public final <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
    return inner.query(query, positionBound, config);
  }

  @Override
  public final Position getPosition() {
    return inner.getPosition();
  }
}
