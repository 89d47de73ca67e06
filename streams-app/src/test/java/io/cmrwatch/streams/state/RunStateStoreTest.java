package io.cmrwatch.streams.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.core.cmr.ExperimentAnalyzer;
import io.cmrwatch.core.cmr.RunEstimate;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.core.summary.RunSummaryCodec;
import io.cmrwatch.streams.alert.AlertKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The piecewise run-state store: writes only what changed, reads whole states back, on every path.
 */
class RunStateStoreTest {

  private KeyValueStore<String, byte[]> parts;
  private RunStateStore store;

  @BeforeEach
  void open() {
    MockProcessorContext<String, String> ctx = new MockProcessorContext<>();
    // The store under test wraps this in-memory store; logging is off (the mock context has no
    // changelog).
    parts =
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore("run-state"), Serdes.String(), Serdes.ByteArray())
            .withLoggingDisabled()
            .build();
    store = new RunStateStore(parts);
    store.init(ctx.getStateStoreContext(), store);
  }

  private static LossEvent event(String run, int i) {
    return LossEvent.builder()
        .experiment("exp")
        .run(run)
        .ratio(0.25)
        .tokens(1_000_000L * i)
        .generalLoss(2.0 + 0.001 * i)
        .domainLoss(3.0 - 0.002 * i)
        .baseGeneralLoss(2.0)
        .baseDomainLoss(3.0)
        .budgetTokens(200_000_000L)
        .eventId(run + "/" + i)
        .build();
  }

  private static RunState absorb(RunState s, LossEvent e) {
    s.summary().absorb(e);
    s.markBin(RunSummaryCodec.binIndex(e.tokens()));
    s.lastEventWallMs = e.tokens();
    return s;
  }

  private Map<String, byte[]> snapshot() {
    Map<String, byte[]> m = new HashMap<>();
    try (KeyValueIterator<String, byte[]> it = parts.all()) {
      it.forEachRemaining(kv -> m.put(kv.key, kv.value));
    }
    return m;
  }

  private List<String> partKeys() {
    List<String> keys = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = parts.all()) {
      it.forEachRemaining(kv -> keys.add(kv.key));
    }
    return keys;
  }

  @Test
  void shouldWriteOnlyTheChangedPartsAtFlushAndReadWholeStatesBack() {
    RunState s = RunState.of("exp", "run-1");
    for (int i = 1; i <= 60; i++) {
      absorb(s, event("run-1", i));
    }
    s.firing.put(AlertKind.LOSS_SPIKE, 42L);
    s.pending.put(AlertKind.RUN_PREDICTED_INFEASIBLE, 2);
    store.put("run-1\u0000exp", s);
    assertThat(parts.approximateNumEntries()).isZero(); // nothing written before the commit
    assertThat(store.get("run-1\u0000exp")).isSameAs(s); // the writing thread sees its object
    store.flushCache();
    int bins = RunSummaryCodec.binIndexes(s.summary()).length;
    assertThat(partKeys()).hasSize(1 + bins).contains("run-1\u0000exp\u0001h");

    // One more event: the head and one bin are rewritten, nothing else.
    Map<String, byte[]> before = snapshot();
    absorb(s, event("run-1", 61));
    store.put("run-1\u0000exp", s);
    store.flushCache();
    Map<String, byte[]> after = snapshot();
    List<String> changed = new ArrayList<>();
    after.forEach(
        (k, v) -> {
          if (!Arrays.equals(v, before.get(k))) {
            changed.add(k);
          }
        });
    assertThat(changed)
        .containsExactlyInAnyOrder(
            "run-1\u0000exp\u0001h",
            "run-1\u0000exp\u0001b" + RunSummaryCodec.binIndex(61_000_000L));

    RunState back =
        CompletableFuture.supplyAsync(() -> store.get("run-1\u0000exp")).join(); // another thread
    assertThat(back).isNotSameAs(s);
    assertThat(RunSummaryCodec.encode(back.summary()))
        .isEqualTo(RunSummaryCodec.encode(s.summary()));
    assertThat(back.firing).containsEntry(AlertKind.LOSS_SPIKE, 42L);
    assertThat(back.pending).containsEntry(AlertKind.RUN_PREDICTED_INFEASIBLE, 2);
    assertThat(back.lastEventWallMs).isEqualTo(61_000_000L);
  }

  @Test
  void shouldShowOtherThreadsTheLastCommittedStateOnly() {
    RunState s = absorb(RunState.of("exp", "run-1"), event("run-1", 1));
    store.put("run-1\u0000exp", s);
    assertThat(CompletableFuture.supplyAsync(() -> store.get("run-1\u0000exp")).join()).isNull();
    store.flushCache();
    absorb(s, event("run-1", 2));
    store.put("run-1\u0000exp", s);
    RunState seen = CompletableFuture.supplyAsync(() -> store.get("run-1\u0000exp")).join();
    assertThat(seen.summary().events()).isEqualTo(1);
  }

  @Test
  void shouldGroupPartsIntoStatesForScansAndRanges() {
    for (String run : List.of("a", "a2", "b")) {
      for (String exp : List.of("exp", "exp2")) {
        RunState s = RunState.of(exp, run);
        s.summary()
            .absorb(
                LossEvent.builder()
                    .experiment(exp)
                    .run(run)
                    .ratio(0.5)
                    .tokens(1000)
                    .generalLoss(1)
                    .domainLoss(1)
                    .baseGeneralLoss(1)
                    .baseDomainLoss(1)
                    .eventId(run + exp)
                    .build());
        store.put(run + "\u0000" + exp, s);
      }
    }
    List<String> all = new ArrayList<>();
    try (KeyValueIterator<String, RunState> it =
        store.all()) { // writes the dirty states through first
      it.forEachRemaining(kv -> all.add(kv.key + "=" + kv.value.summary().run()));
    }
    assertThat(all)
        .containsExactly(
            "a\u0000exp=a",
            "a\u0000exp2=a",
            "a2\u0000exp=a2",
            "a2\u0000exp2=a2",
            "b\u0000exp=b",
            "b\u0000exp2=b");
    List<String> scanned = new ArrayList<>();
    try (KeyValueIterator<String, RunState> it =
        store.prefixScan("a\u0000", new StringSerializer())) {
      it.forEachRemaining(kv -> scanned.add(kv.key));
    }
    assertThat(scanned).containsExactly("a\u0000exp", "a\u0000exp2");
    List<String> ranged = new ArrayList<>();
    try (KeyValueIterator<String, RunState> it = store.range("a2\u0000exp", "b\u0000exp")) {
      it.forEachRemaining(kv -> ranged.add(kv.key));
    }
    assertThat(ranged).containsExactly("a2\u0000exp", "a2\u0000exp2", "b\u0000exp");
    assertThat(store.delete("a\u0000exp")).isNotNull();
    assertThat(store.get("a\u0000exp")).isNull();
    assertThat(partKeys()).noneMatch(k -> k.startsWith("a\u0000exp\u0001"));
  }

  @Test
  void shouldWriteThePublishedFitOnlyWhenItIsPublishedAndReadItBack() {
    RunState s = RunState.of("exp", "run-f");
    for (int i = 1; i <= 20; i++) {
      absorb(s, event("run-f", i));
    }
    store.put("exp\u0000run-f", s);
    store.flushCache();
    assertThat(partKeys()).doesNotContain("exp\u0000run-f\u0001f");
    // core's result for the run (a real one, whatever its status)
    RunEstimate fit = new ExperimentAnalyzer().analyze("exp", List.of(s.summary())).runs().get(0);
    s.publish(fit, 1234L);
    store.put("exp\u0000run-f", s);
    store.flushCache();
    Map<String, byte[]> published = snapshot();
    assertThat(published).containsKey("exp\u0000run-f\u0001f");
    absorb(s, event("run-f", 21));
    store.put("exp\u0000run-f", s);
    store.flushCache();
    assertThat(snapshot().get("exp\u0000run-f\u0001f"))
        .as("the fit is not rewritten with every event")
        .isSameAs(published.get("exp\u0000run-f\u0001f"));
    RunState back = CompletableFuture.supplyAsync(() -> store.get("exp\u0000run-f")).join();
    assertThat(back.publishedFit()).isEqualTo(fit);
    assertThat(back.fit).as("the latest fit until the next analysis").isEqualTo(fit);
    assertThat(back.publishedFitWallMs()).isEqualTo(1234L);
  }

  @Test
  void shouldDeleteBinsARatioChangeDropped() {
    RunState s = RunState.of("exp", "r");
    for (int i = 1; i <= 40; i++) {
      absorb(s, event("r", i));
    }
    store.put("r\u0000exp", s);
    store.flushCache();
    int before = partKeys().size();
    RunSummary sum = s.summary();
    Long change = sum.ratioChangeTokens();
    sum.absorb(
        LossEvent.builder()
            .experiment("exp")
            .run("r")
            .ratio(0.75)
            .tokens(5_000_000L)
            .generalLoss(2)
            .domainLoss(3)
            .baseGeneralLoss(2)
            .baseDomainLoss(3)
            .eventId("r/x")
            .build());
    assertThat(sum.ratioChangeTokens()).isNotEqualTo(change);
    s.markAllBins();
    store.put("r\u0000exp", s);
    store.flushCache();
    assertThat(partKeys().size()).isLessThan(before);
    assertThat(partKeys().size()).isEqualTo(1 + RunSummaryCodec.binIndexes(sum).length);
    RunState back = CompletableFuture.supplyAsync(() -> store.get("r\u0000exp")).join();
    assertThat(RunSummaryCodec.encode(back.summary())).isEqualTo(RunSummaryCodec.encode(sum));
  }
}
