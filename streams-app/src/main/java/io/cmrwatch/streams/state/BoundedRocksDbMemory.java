package io.cmrwatch.streams.state;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the off-heap memory of all of the app's RocksDB stores together: one block cache shared by
 * every store instance, which also holds their index and filter blocks and is charged for their
 * memtables. Without it each store instance (four stores × the partitions a thread owns) takes its
 * own 50 MB cache and memtables, and the process grows with the number of partitions rather than
 * with the data (Kafka Streams' own advice for bounded memory). The size is {@value #CONFIG} in
 * bytes; memtables may use a quarter of it, charged in 64 KB arena blocks.
 */
public final class BoundedRocksDbMemory implements RocksDBConfigSetter {

  /**
   * Streams config key carrying the total size (bytes), set by the app from {@code
   * cmrwatch.rocksdb.memory-bytes}.
   */
  public static final String CONFIG = "cmrwatch.rocksdb.memory-bytes";

  private static final Object LOCK = new Object();
  private static long size;
  private static Cache cache;
  private static WriteBufferManager writeBuffers;

  private static void ensure(long bytes) {
    synchronized (LOCK) {
      if (cache == null || size != bytes) {
        // Shared for the life of the process (stores come and go with rebalances): never closed per
        // store.
        cache = new LRUCache(bytes, -1, false, 0.1);
        writeBuffers = new WriteBufferManager(bytes / 4, cache);
        size = bytes;
      }
    }
  }

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    Object v = configs.get(CONFIG);
    long bytes = v == null ? 64L << 20 : Long.parseLong(v.toString());
    ensure(bytes);
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    synchronized (LOCK) {
      table.setBlockCache(cache);
      options.setWriteBufferManager(writeBuffers);
    }
    table.setCacheIndexAndFilterBlocks(true);
    table.setCacheIndexAndFilterBlocksWithHighPriority(true);
    table.setPinTopLevelIndexAndFilter(true);
    options.setMaxWriteBufferNumber(2);
    options.setWriteBufferSize(Math.max(1L << 20, bytes / 16));
    // A memtable is charged to the shared budget by arena blocks, by default an eighth of the write
    // buffer (512 KB
    // here): the first blocks of the 24 store instances of a 6-partition app alone were 12 MB of
    // the 16 MB for
    // memtables. With 64 KB blocks the benchmark's stream thread took its input within p99 0.5-0.6
    // s instead of
    // 1.4-2.0 s, and did 45 % more refits (docs/streams.md, "Performance").
    options.setArenaBlockSize(64L << 10);
    options.setTableFormatConfig(table);
  }

  @Override
  public void close(String storeName, Options options) {
    // The cache and the write-buffer manager are shared by every store: nothing to free per store.
  }
}
