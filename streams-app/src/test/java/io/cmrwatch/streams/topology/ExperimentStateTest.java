package io.cmrwatch.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.core.cmr.EstimateJson;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import io.cmrwatch.streams.state.ExperimentState;
import io.cmrwatch.streams.state.HistoryPoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An experiment's stored state: its runs and its published estimate (core's JSON, exactly as on the
 * topic) survive a round trip through the store; the history of published estimates is a store of
 * its own, bounded by {@code cmrwatch.history.size}.
 */
class ExperimentStateTest {

  @TempDir Path dir;

  @Test
  void shouldStoreThePublishedEstimateAsPublishedAndReadItBack() {
    SyntheticExperiment exp = new SyntheticGenerator().generate(5);
    try (Harness h = new Harness(dir, CmrTopologyTest.settings())) {
      h.send(exp.events());
      h.settle();
      List<TestRecord<String, String>> published = h.estimates.readRecordsToList();
      String last = published.get(published.size() - 1).value();
      ExperimentState s = h.state(exp.experiment());
      assertThat(new String(s.publishedJson(), StandardCharsets.UTF_8)).isEqualTo(last);
      assertThat(s.published()).isEqualTo(EstimateJson.read(last));
      assertThat(s.runs()).hasSize(exp.runs().size());
      assertThat(s.status()).isEqualTo("ok");
      assertThat(s.cmr()).isEqualTo(s.published().cmr());
      assertThat(s.cmrLow()).isEqualTo(s.published().cmrLow());
      assertThat(s.cmrHigh()).isEqualTo(s.published().cmrHigh());
      assertThat(s.publishedAt()).isEqualTo(published.get(published.size() - 1).getRecordTime());
    }
  }

  @Test
  void shouldKeepTheLatestPublishedEstimatesInTheHistoryStoreUpToItsSize() {
    SyntheticExperiment exp = new SyntheticGenerator().generate(5);
    Map<String, String> settings = new HashMap<>(CmrTopologyTest.settings());
    settings.put("cmrwatch.history.size", "3");
    try (Harness h = new Harness(dir, settings)) {
      List<LossEvent> events = exp.events();
      int steps = 8;
      for (int i = 0; i < steps; i++) {
        h.send(events.subList(i * events.size() / steps, (i + 1) * events.size() / steps));
        h.settle();
      }
      List<TestRecord<String, String>> published = h.estimates.readRecordsToList();
      assertThat(published).hasSizeGreaterThan(3);
      KeyValueStore<String, HistoryPoint> store = h.driver.getKeyValueStore(StoreNames.HISTORY);
      List<HistoryPoint> kept = new ArrayList<>();
      try (KeyValueIterator<String, HistoryPoint> it =
          store.prefixScan(StoreNames.prefix(exp.experiment()), new StringSerializer())) {
        it.forEachRemaining(kv -> kept.add(kv.value));
      }
      assertThat(kept).hasSize(3);
      for (int i = 0; i < 3; i++) {
        TestRecord<String, String> r = published.get(published.size() - 3 + i);
        ExperimentEstimate e = EstimateJson.read(r.value());
        HistoryPoint point = kept.get(i);
        assertThat(point).isEqualTo(HistoryPoint.of(e, r.getRecordTime()));
      }
    }
  }
}
