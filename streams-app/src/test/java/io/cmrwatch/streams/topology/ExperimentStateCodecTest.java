package io.cmrwatch.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import io.cmrwatch.streams.json.Json;
import io.cmrwatch.streams.state.CmrEstimate;
import io.cmrwatch.streams.state.ExperimentState;
import io.cmrwatch.streams.state.ExperimentState.HistoryPoint;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Experiment states: the published estimate (with core's analysis) survives a round trip; the
 * latest estimate is stored without the analysis unless it is the published one, which is stored
 * once. The history of published estimates is a store of its own, bounded by {@code
 * cmrwatch.history.size}; a state written by a version that kept the history inside it has its
 * points moved there.
 */
class ExperimentStateCodecTest {

  @TempDir Path dir;

  private ExperimentState settled(SyntheticExperiment exp) {
    try (Harness h = new Harness(dir, CmrTopologyTest.settings())) {
      exp.events().forEach(h::send);
      h.settle();
      KeyValueStore<String, ExperimentState> states =
          h.driver.getKeyValueStore(StoreNames.EXPERIMENT_STATE);
      return states.get(exp.experiment());
    }
  }

  private static List<HistoryPoint> history(Harness h, String experiment) {
    KeyValueStore<String, HistoryPoint> store =
        h.driver.getKeyValueStore(StoreNames.EXPERIMENT_HISTORY);
    List<HistoryPoint> out = new ArrayList<>();
    try (KeyValueIterator<String, HistoryPoint> it =
        store.prefixScan(
            StoreNames.experimentPrefix(experiment),
            new org.apache.kafka.common.serialization.StringSerializer())) {
      it.forEachRemaining(kv -> out.add(kv.value));
    }
    return out;
  }

  /**
   * Sends the experiment's events in {@code steps} slices, settling after each: one estimate or
   * more per slice.
   */
  private static void sendInSteps(Harness h, SyntheticExperiment exp, int steps) {
    List<LossEvent> events = exp.events();
    for (int i = 0; i < steps; i++) {
      h.send(events.subList(i * events.size() / steps, (i + 1) * events.size() / steps));
      h.settle();
    }
  }

  @Test
  void shouldRoundTripAndStoreThePublishedAnalysisOnce() throws Exception {
    SyntheticExperiment exp = new SyntheticGenerator().generate(5);
    ExperimentState s = settled(exp);
    assertThat(s.published).isNotNull();
    assertThat(s.published.analysis()).isNotNull();
    assertThat(s.historyNext).isPositive();
    s.advised.put("run-a", 0.25);
    s.ratioAbove.put("run-b", 1234L);

    // Latest is the published estimate: written once, read back as the same object. No history
    // inside.
    s.latest = s.published;
    byte[] once = s.encode();
    JsonNode n = Json.MAPPER.readTree(once);
    assertThat(n.get("latest").asText()).isEqualTo("published");
    assertThat(n.has("history")).isFalse();
    ExperimentState back = ExperimentState.decode(once);
    assertThat(back.latest).isSameAs(back.published);
    assertThat(back.published.toBytes()).isEqualTo(s.published.toBytes());
    assertThat(back.historyFirst).isEqualTo(s.historyFirst);
    assertThat(back.historyNext).isEqualTo(s.historyNext);
    assertThat(back.legacyHistory).isEmpty();
    assertThat(back.advised).isEqualTo(s.advised);
    assertThat(back.ratioAbove).isEqualTo(s.ratioAbove);
    assertThat(back.lastComputeWallMs).isEqualTo(s.lastComputeWallMs);
    assertThat(s.lastLawWallMs).isPositive();
    assertThat(back.lastLawWallMs).isEqualTo(s.lastLawWallMs);
    assertThat(back.encode()).isEqualTo(once);
    // Written before the law's time was stored: read as never, so that the next recompute refits
    // the law.
    ObjectNode earlier = (ObjectNode) Json.MAPPER.readTree(once);
    earlier.remove("lastLawWallMs");
    assertThat(ExperimentState.decode(Json.bytes(earlier)).lastLawWallMs).isZero();

    // A newer, unpublished latest: its numbers are kept, its analysis is not.
    CmrEstimate p = s.published;
    s.latest =
        new CmrEstimate(
            p.experiment(),
            p.status(),
            p.cmr() + 1e-4,
            p.cmrLow(),
            p.cmrHigh(),
            p.cmrLaw(),
            p.runs(),
            p.runsUsed(),
            p.pointsUsed(),
            p.budgetTokens(),
            p.epsilon(),
            p.lambda(),
            p.tokenUnit(),
            Instant.parse("2026-11-28T12:00:00Z"),
            p.analysis());
    ExperimentState again = ExperimentState.decode(s.encode());
    assertThat(again.latest.cmr()).isEqualTo(p.cmr() + 1e-4);
    assertThat(again.latest.time()).isEqualTo(Instant.parse("2026-11-28T12:00:00Z"));
    assertThat(again.latest.analysis()).isNull();
    assertThat(again.published.analysis()).isEqualTo(p.analysis());

    // Publishing takes the next history sequence number, and the next encoding carries it.
    long next = s.historyNext;
    assertThat(s.publish(s.latest, s.latest.toBytes())).isEqualTo(next);
    ExperimentState third = ExperimentState.decode(s.encode());
    assertThat(third.historyNext).isEqualTo(next + 1);
    assertThat(third.latest).isSameAs(third.published);
    assertThat(third.published.cmr()).isEqualTo(p.cmr() + 1e-4);
  }

  @Test
  void shouldWeighItsHeapByTheAnalysesItHolds() {
    ExperimentState s = settled(new SyntheticGenerator().generate(5));
    int json = s.published.toBytes().length;
    ExperimentState fresh = new ExperimentState(s.experiment);
    assertThat(fresh.heapBytesEstimate()).isEqualTo(4096);

    long entries = 128L * (s.ratioAbove.size() + s.advised.size());

    // Read from the store: by the whole state's JSON, which is mostly the published analysis, held
    // as a tree.
    long read = ExperimentState.decode(s.encode()).heapBytesEstimate();
    assertThat(read)
        .isBetween(
            4096L + ExperimentState.READ_HEAP_PER_BYTE * json + entries,
            4096L + ExperimentState.READ_HEAP_PER_BYTE * (json + 4096L) + entries);

    // Published here: by its JSON, the analysis held as core's objects; a newer unpublished latest
    // with an analysis of
    // its own adds to that; so do entries.
    s.latest = s.published;
    s.publish(s.published, s.published.toBytes());
    assertThat(s.heapBytesEstimate())
        .isEqualTo(4096L + ExperimentState.COMPUTED_HEAP_PER_BYTE * json + entries);
    CmrEstimate p = s.published;
    s.latest =
        new CmrEstimate(
            p.experiment(),
            p.status(),
            p.cmr() + 1e-4,
            p.cmrLow(),
            p.cmrHigh(),
            p.cmrLaw(),
            p.runs(),
            p.runsUsed(),
            p.pointsUsed(),
            p.budgetTokens(),
            p.epsilon(),
            p.lambda(),
            p.tokenUnit(),
            p.time(),
            p.analysis());
    s.advised.put("run-new", 0.25);
    assertThat(s.heapBytesEstimate())
        .isEqualTo(
            4096L
                + (ExperimentState.COMPUTED_HEAP_PER_BYTE + ExperimentState.LATEST_HEAP_PER_BYTE)
                    * json
                + entries
                + 128);
  }

  @Test
  void shouldKeepTheLatestPublishedEstimatesInTheHistoryStoreUpToItsSize() {
    SyntheticExperiment exp = new SyntheticGenerator().generate(5);
    Map<String, String> settings = new HashMap<>(CmrTopologyTest.settings());
    settings.put("cmrwatch.history.size", "3");
    try (Harness h = new Harness(dir, settings)) {
      sendInSteps(h, exp, 8);
      List<JsonNode> published = Harness.json(h.estimates);
      assertThat(published).hasSizeGreaterThan(3);
      ExperimentState s =
          h.driver
              .<String, ExperimentState>getKeyValueStore(StoreNames.EXPERIMENT_STATE)
              .get(exp.experiment());
      assertThat(s.historyNext).isEqualTo(published.size());
      assertThat(s.historyFirst).isEqualTo(published.size() - 3);

      // The three newest published estimates, oldest first, as the topic carried them.
      List<HistoryPoint> kept = history(h, exp.experiment());
      assertThat(kept).hasSize(3);
      for (int i = 0; i < 3; i++) {
        JsonNode e = published.get(published.size() - 3 + i);
        HistoryPoint point = kept.get(i);
        assertThat(point.time()).isEqualTo(Instant.parse(e.get("time").asText()));
        assertThat(point.status()).isEqualTo(e.get("status").asText());
        assertThat(point.points()).isEqualTo(e.get("pointsUsed").asInt());
        if (e.get("cmr").isNumber()) {
          assertThat(point.cmr()).isEqualTo(e.get("cmr").asDouble());
        }
      }
    }
  }

  @Test
  void shouldMoveTheHistoryOfAStateWrittenByAnEarlierVersionToTheHistoryStore() throws Exception {
    SyntheticExperiment old = new SyntheticGenerator().generate(5);
    SyntheticExperiment exp = new SyntheticGenerator().generate(6);
    assertThat(exp.experiment()).isNotEqualTo(old.experiment());
    try (Harness h = new Harness(dir, CmrTopologyTest.settings())) {
      old.events().forEach(h::send);
      h.settle();
      KeyValueStore<String, ExperimentState> states =
          h.driver.getKeyValueStore(StoreNames.EXPERIMENT_STATE);

      // The earlier layout: the history as an array inside the state, no sequence numbers.
      List<HistoryPoint> legacy =
          List.of(
              new HistoryPoint(Instant.parse("2026-11-01T10:00:00Z"), 0.21, 0.18, 0.24, "ok", 120),
              new HistoryPoint(Instant.parse("2026-11-01T10:05:00Z"), 0.22, 0.19, 0.25, "ok", 140));
      ObjectNode n = (ObjectNode) Json.MAPPER.readTree(states.get(old.experiment()).encode());
      n.put("experiment", exp.experiment());
      n.putNull("latest");
      n.putNull("published");
      n.remove("historyFirst");
      n.remove("historyNext");
      legacy.forEach(p -> n.withArray("history").add(p.toJson()));
      ExperimentState earlier = ExperimentState.decode(Json.bytes(n));
      assertThat(earlier.legacyHistory).isEqualTo(legacy);
      // Until moved, the points stay in the state's own encoding.
      assertThat(ExperimentState.decode(earlier.encode()).legacyHistory).isEqualTo(legacy);
      states.put(exp.experiment(), earlier);

      exp.events().forEach(h::send);
      h.settle();
      ExperimentState s = states.get(exp.experiment());
      assertThat(s.legacyHistory).isEmpty();
      assertThat(Json.MAPPER.readTree(s.encode()).has("history")).isFalse();
      List<HistoryPoint> kept = history(h, exp.experiment());
      assertThat(kept).hasSizeGreaterThan(2);
      assertThat(kept.subList(0, 2)).isEqualTo(legacy);
      assertThat(s.historyFirst).isZero();
      assertThat(s.historyNext).isEqualTo(kept.size());
      assertThat(kept.get(kept.size() - 1).time()).isEqualTo(s.published.time());
    }
  }
}
