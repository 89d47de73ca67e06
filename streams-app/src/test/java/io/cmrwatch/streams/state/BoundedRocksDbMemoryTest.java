package io.cmrwatch.streams.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/** Every store's options point at the one shared, bounded cache and write-buffer manager. */
class BoundedRocksDbMemoryTest {

  @Test
  void shouldBoundEveryStoreByOneSharedBudget() {
    RocksDB.loadLibrary();
    BoundedRocksDbMemory setter = new BoundedRocksDbMemory();
    try (Options a = new Options().setTableFormatConfig(new BlockBasedTableConfig());
        Options b = new Options().setTableFormatConfig(new BlockBasedTableConfig())) {
      setter.setConfig("run-state", a, Map.of(BoundedRocksDbMemory.CONFIG, 32L << 20));
      setter.setConfig("experiment-state", b, Map.of(BoundedRocksDbMemory.CONFIG, "33554432"));
      for (Options o : new Options[] {a, b}) {
        assertThat(o.maxWriteBufferNumber()).isEqualTo(2);
        assertThat(o.writeBufferSize()).isEqualTo(2L << 20); // 32 MiB / 16
        // Charged to the shared budget in small blocks, not an eighth of the write buffer per
        // memtable.
        assertThat(o.arenaBlockSize()).isEqualTo(64L << 10);
        BlockBasedTableConfig t = (BlockBasedTableConfig) o.tableFormatConfig();
        assertThat(t.cacheIndexAndFilterBlocks()).isTrue();
        assertThat(t.pinTopLevelIndexAndFilter()).isTrue();
      }
      setter.close("run-state", a);
    }
  }
}
