package io.cmrwatch.streams.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/** Objects written many times between commits are serialised once, at the commit. */
class WriteBehindStoreTest {

  @Test
  void shouldSerialiseEachDirtyObjectOncePerCommit() {
    AtomicInteger serialised = new AtomicInteger();
    Serde<StringBuilder> values =
        Serdes.serdeFrom(
            (topic, v) -> {
              serialised.incrementAndGet();
              return v.toString().getBytes(UTF_8);
            },
            (topic, b) -> new StringBuilder(new String(b, UTF_8)));
    WriteBehindStore<String, StringBuilder> store =
        WriteBehindStore.over(Stores.inMemoryKeyValueStore("s"), Serdes.String(), values)
            .withLoggingDisabled()
            .build();
    store.init(new MockProcessorContext<String, String>().getStateStoreContext(), store);

    StringBuilder a = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      a.append(i % 10);
      store.put("a", a);
      assertThat(store.get("a")).isSameAs(a);
    }
    store.put("b", new StringBuilder("x"));
    assertThat(serialised).hasValue(0);
    assertThat(CompletableFuture.supplyAsync(() -> store.get("a")).join())
        .isNull(); // not committed yet
    store.flushCache();
    assertThat(serialised).hasValue(2);
    assertThat(CompletableFuture.supplyAsync(() -> store.get("a")).join().toString())
        .isEqualTo(a.toString());

    a.append("!");
    store.put("a", a);
    List<String> keys = new ArrayList<>();
    try (KeyValueIterator<String, StringBuilder> it =
        store.all()) { // the writer's scan sees its dirty object
      it.forEachRemaining(kv -> keys.add(kv.key + "=" + kv.value.length()));
    }
    assertThat(keys).containsExactly("a=101", "b=1");
    store.put("a", null);
    assertThat(store.get("a")).isNull();
    store.clearCache();
    store.flushCache();
    assertThat(store.get("b").toString()).isEqualTo("x");
  }
}
