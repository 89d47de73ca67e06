package io.cmrwatch.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.cmrwatch.core.cmr.ExperimentAnalyzer;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import io.cmrwatch.streams.state.CmrEstimate;
import io.cmrwatch.streams.state.ExperimentState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CMR that comes out of the topology is core's CMR of the same events, whatever their order or
 * duplicates.
 */
class CmrTopologyTest {

  /**
   * Once quiet, an experiment's estimate is recomputed cold from its run summaries, which are exact
   * and order-independent: the settled CMR is core's offline answer to the last bit (only summation
   * order may differ).
   */
  static final double TOLERANCE = 1e-9;

  @TempDir Path dir;

  static Map<String, String> settings() {
    return Map.of(
        "cmrwatch.refit.min-interval-ms",
        "1000",
        "cmrwatch.refit.max-events",
        "10",
        "cmrwatch.estimate.min-interval-ms",
        "1000");
  }

  /** What `cmrwatch fit` computes: core's cold analysis of the events' run summaries. */
  static ExperimentEstimate offline(SyntheticExperiment exp) {
    Map<String, RunSummary> runs = new LinkedHashMap<>();
    for (LossEvent e : exp.events()) {
      runs.computeIfAbsent(e.run(), r -> new RunSummary(e.experiment(), r)).absorb(e);
    }
    return new ExperimentAnalyzer().analyze(exp.experiment(), runs.values());
  }

  static CmrEstimate streamed(Harness h, List<LossEvent> events, String experiment) {
    for (LossEvent e : events) {
      h.send(e);
    }
    h.settle();
    KeyValueStore<String, ExperimentState> store =
        h.driver.getKeyValueStore(StoreNames.EXPERIMENT_STATE);
    return store.get(experiment).latest;
  }

  @Test
  void shouldStreamASyntheticExperimentToTheSameCmrAsTheOfflineAnalysis() {
    SyntheticExperiment exp = new SyntheticGenerator().generate(5);
    ExperimentEstimate offline = offline(exp);
    assertThat(offline.status()).isEqualTo("ok");
    try (Harness h = new Harness(dir.resolve("a"), settings())) {
      CmrEstimate live = streamed(h, exp.events(), exp.experiment());
      assertThat(live.status()).isEqualTo("ok");
      assertThat(live.cmr()).isCloseTo(offline.cmr(), within(TOLERANCE));
      assertThat(live.cmrLow()).isCloseTo(offline.cmrLow(), within(TOLERANCE));
      assertThat(live.cmrHigh()).isCloseTo(offline.cmrHigh(), within(TOLERANCE));
      assertThat(live.runsUsed()).isEqualTo(offline.usableRuns());

      // Published estimates: schema 1, converging over time, not one per event.
      List<JsonNode> published = Harness.json(h.estimates);
      assertThat(published).isNotEmpty().hasSizeLessThan(exp.events().size() / 4);
      JsonNode last = published.get(published.size() - 1);
      assertThat(last.get("schema").asInt()).isEqualTo(1);
      assertThat(last.get("experiment").asText()).isEqualTo(exp.experiment());
      assertThat(last.get("cmr").asDouble()).isCloseTo(live.cmr(), within(0.01));
      assertThat(last.get("cmrLaw").get("a4").isNumber()).isTrue();
      assertThat(last.get("analysis").get("runs")).hasSize(exp.runs().size());
      String metrics = h.metrics.scrape();
      assertThat(metrics)
          .contains(
              "cmrwatch_cmr_estimate{application=\"cmrwatch-streams\",experiment=\""
                  + exp.experiment()
                  + "\"}");
      assertThat(metrics)
          .contains(
              "cmrwatch_cmr_status{application=\"cmrwatch-streams\",experiment=\""
                  + exp.experiment()
                  + "\",status=\"ok\"} 1.0");
      assertThat(metrics).contains("cmrwatch_estimate_latency_seconds_count");
      // Every event's delay on arrival is recorded once.
      assertThat(metrics)
          .contains(
              "cmrwatch_input_delay_seconds_count{application=\"cmrwatch-streams\"} "
                  + exp.events().size()
                  + "\n");
    }
  }

  @Test
  void shouldRefitTheCmrLawAtMostOncePerItsIntervalAndAtTheColdRecompute() {
    SyntheticExperiment exp = new SyntheticGenerator().generate(5);
    ExperimentEstimate offline = offline(exp);
    Map<String, List<String>> laws = new LinkedHashMap<>();
    for (String interval : new String[] {"0", "3600000"}) {
      Map<String, String> s = new LinkedHashMap<>(settings());
      s.put("cmrwatch.estimate.law-interval-ms", interval);
      try (Harness h = new Harness(dir.resolve("law-" + interval), s)) {
        // The run at a tenth of the budget at a time, a recompute's interval apart.
        for (int tenth = 1; tenth <= 10; tenth++) {
          double from = (tenth - 1) / 10.0;
          h.send(
              exp.eventsUpTo(tenth / 10.0).stream()
                  .filter(e -> e.tokens() > from * exp.budgetTokens())
                  .toList());
          h.advance(java.time.Duration.ofMillis(1100));
        }
        List<String> published = new ArrayList<>();
        for (JsonNode e : Harness.json(h.estimates)) {
          if (e.get("status").asText().equals("ok")) {
            published.add(e.get("cmrLaw").toString());
          }
        }
        h.settle();
        KeyValueStore<String, ExperimentState> store =
            h.driver.getKeyValueStore(StoreNames.EXPERIMENT_STATE);
        CmrEstimate settled = store.get(exp.experiment()).latest;
        // The cold recompute refits the law whatever the interval: the settled law is core's
        // offline one.
        assertThat(settled.cmrLaw().parameters())
            .containsExactly(
                new double[] {offline.cmrLaw().a4(), offline.cmrLaw().s4(), offline.cmrLaw().b3()},
                within(TOLERANCE));
        laws.put(interval, published);
      }
    }
    // Refitted at every recompute, the law moves with the data; within its interval, the first one
    // is carried.
    assertThat(laws.get("0")).hasSizeGreaterThan(2);
    assertThat(new java.util.HashSet<>(laws.get("0"))).hasSizeGreaterThan(2);
    assertThat(laws.get("3600000")).hasSizeGreaterThan(2);
    assertThat(new java.util.HashSet<>(laws.get("3600000"))).hasSize(1);
  }

  @Test
  void shouldGiveTheSameCmrForShuffledAndDuplicatedInput() {
    SyntheticExperiment exp = new SyntheticGenerator().generate(9);
    List<LossEvent> messy = new ArrayList<>(exp.events());
    messy.addAll(exp.events().subList(0, exp.events().size() / 3));
    Collections.shuffle(messy, new Random(42));
    CmrEstimate ordered;
    CmrEstimate shuffled;
    try (Harness h = new Harness(dir.resolve("ordered"), settings())) {
      ordered = streamed(h, exp.events(), exp.experiment());
    }
    try (Harness h = new Harness(dir.resolve("shuffled"), settings())) {
      shuffled = streamed(h, messy, exp.experiment());
      String metrics = h.metrics.scrape();
      assertThat(metrics)
          .contains(
              "cmrwatch_events_duplicate_total{application=\"cmrwatch-streams\"} "
                  + (double) (exp.events().size() / 3));
    }
    assertThat(ordered.status()).isEqualTo("ok");
    assertThat(shuffled.status()).isEqualTo("ok");
    assertThat(shuffled.cmr()).isCloseTo(ordered.cmr(), within(TOLERANCE));
    assertThat(shuffled.cmrLow()).isCloseTo(ordered.cmrLow(), within(TOLERANCE));
    assertThat(shuffled.cmrHigh()).isCloseTo(ordered.cmrHigh(), within(TOLERANCE));
    assertThat(shuffled.pointsUsed()).isEqualTo(ordered.pointsUsed());
  }

  /**
   * With a decoded-state budget of one byte every run state, run update and experiment state is
   * evicted as soon as another is put, and read back from its store when next needed: the streamed
   * CMR, the duplicates found and the published estimates' count are those of the default budget.
   */
  @Test
  void shouldGiveTheSameCmrWhenEveryDecodedStateIsReadBackFromItsStore() {
    SyntheticExperiment exp = new SyntheticGenerator().generate(7);
    List<LossEvent> messy = new ArrayList<>(exp.events());
    messy.addAll(exp.events().subList(0, exp.events().size() / 4));
    Collections.shuffle(messy, new Random(7));
    Map<String, String> tiny = new HashMap<>(settings());
    tiny.put("cmrwatch.cache.decoded-bytes", "1");
    CmrEstimate cached;
    CmrEstimate reread;
    int cachedPublished;
    int rereadPublished;
    try (Harness h = new Harness(dir.resolve("cached"), settings())) {
      cached = streamed(h, messy, exp.experiment());
      cachedPublished = Harness.json(h.estimates).size();
    }
    try (Harness h = new Harness(dir.resolve("reread"), tiny)) {
      reread = streamed(h, messy, exp.experiment());
      rereadPublished = Harness.json(h.estimates).size();
      String metrics = h.metrics.scrape();
      assertThat(metrics)
          .contains(
              "cmrwatch_events_duplicate_total{application=\"cmrwatch-streams\"} "
                  + (double) (exp.events().size() / 4));
      assertThat(metrics)
          .contains("cmrwatch_decoded_cache_limit_bytes{application=\"cmrwatch-streams\"} 1.0");
      assertThat(metrics)
          .doesNotContain(
              "cmrwatch_decoded_cache_evictions_total{application=\"cmrwatch-streams\"} 0.0");
    }
    assertThat(reread.status()).isEqualTo("ok");
    assertThat(reread.cmr()).isCloseTo(cached.cmr(), within(TOLERANCE));
    assertThat(reread.cmrLow()).isCloseTo(cached.cmrLow(), within(TOLERANCE));
    assertThat(reread.cmrHigh()).isCloseTo(cached.cmrHigh(), within(TOLERANCE));
    assertThat(reread.pointsUsed()).isEqualTo(cached.pointsUsed());
    assertThat(rereadPublished).isEqualTo(cachedPublished);
  }
}
