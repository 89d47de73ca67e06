package io.cmrwatch.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import io.cmrwatch.streams.json.Json;
import io.cmrwatch.streams.state.CmrEstimate;
import io.cmrwatch.streams.state.ExperimentState;
import java.nio.file.Path;
import java.time.Instant;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Experiment states: the published estimate (with core's analysis) and the history survive a round trip; the latest
 * estimate is stored without the analysis unless it is the published one, which is stored once.
 */
class ExperimentStateCodecTest {

  @TempDir Path dir;

  private ExperimentState settled(SyntheticExperiment exp) {
    try (Harness h = new Harness(dir, CmrTopologyTest.settings())) {
      exp.events().forEach(h::send);
      h.settle();
      KeyValueStore<String, ExperimentState> states = h.driver.getKeyValueStore(StoreNames.EXPERIMENT_STATE);
      return states.get(exp.experiment());
    }
  }

  @Test
  void shouldRoundTripAndStoreThePublishedAnalysisOnce() throws Exception {
    SyntheticExperiment exp = new SyntheticGenerator().generate(5);
    ExperimentState s = settled(exp);
    assertThat(s.published).isNotNull();
    assertThat(s.published.analysis()).isNotNull();
    assertThat(s.history()).isNotEmpty();
    s.advised.put("run-a", 0.25);
    s.ratioAbove.put("run-b", 1234L);

    // Latest is the published estimate: written once, read back as the same object.
    s.latest = s.published;
    byte[] once = s.encode();
    JsonNode n = Json.MAPPER.readTree(once);
    assertThat(n.get("latest").asText()).isEqualTo("published");
    ExperimentState back = ExperimentState.decode(once);
    assertThat(back.latest).isSameAs(back.published);
    assertThat(back.published.toBytes()).isEqualTo(s.published.toBytes());
    assertThat(back.historyJson()).isEqualTo(s.historyJson());
    assertThat(back.advised).isEqualTo(s.advised);
    assertThat(back.ratioAbove).isEqualTo(s.ratioAbove);
    assertThat(back.lastComputeWallMs).isEqualTo(s.lastComputeWallMs);
    assertThat(back.encode()).isEqualTo(once);

    // A newer, unpublished latest: its numbers are kept, its analysis is not.
    CmrEstimate p = s.published;
    s.latest = new CmrEstimate(p.experiment(), p.status(), p.cmr() + 1e-4, p.cmrLow(), p.cmrHigh(), p.cmrLaw(),
        p.runs(), p.runsUsed(), p.pointsUsed(), p.budgetTokens(), p.epsilon(), p.lambda(), p.tokenUnit(),
        Instant.parse("2026-11-28T12:00:00Z"), p.analysis());
    ExperimentState again = ExperimentState.decode(s.encode());
    assertThat(again.latest.cmr()).isEqualTo(p.cmr() + 1e-4);
    assertThat(again.latest.time()).isEqualTo(Instant.parse("2026-11-28T12:00:00Z"));
    assertThat(again.latest.analysis()).isNull();
    assertThat(again.published.analysis()).isEqualTo(p.analysis());

    // Publishing appends to the history, and the next encoding carries it.
    int before = s.history().size();
    s.publish(s.latest, s.latest.toBytes(), 500);
    ExperimentState third = ExperimentState.decode(s.encode());
    assertThat(third.history()).hasSize(before + 1);
    assertThat(third.latest).isSameAs(third.published);
    assertThat(third.published.cmr()).isEqualTo(p.cmr() + 1e-4);
  }
}
