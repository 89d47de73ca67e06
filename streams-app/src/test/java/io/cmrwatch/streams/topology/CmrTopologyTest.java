package io.cmrwatch.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.cmrwatch.core.cmr.EstimateJson;
import io.cmrwatch.core.cmr.ExperimentAnalyzer;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CMR that comes out of the topology is core's CMR of the same events, whatever their order,
 * duplicates or keys.
 */
class CmrTopologyTest {

  /**
   * Once quiet, an experiment is analysed cold from its run summaries, which are exact and
   * order-independent: the settled CMR is core's offline answer to the last bit (only summation
   * order may differ).
   */
  static final double TOLERANCE = 1e-9;

  @TempDir Path dir;

  static Map<String, String> settings() {
    return Map.of(
        "cmrwatch.estimate.min-interval-ms", "1000", "cmrwatch.run-fit.min-interval-ms", "1000");
  }

  /** What `cmrwatch fit` computes: core's cold analysis of the events' run summaries. */
  static ExperimentEstimate offline(List<LossEvent> events) {
    Map<String, RunSummary> runs = new LinkedHashMap<>();
    for (LossEvent e : events) {
      runs.computeIfAbsent(e.run(), r -> new RunSummary(e.experiment(), r)).absorb(e);
    }
    return new ExperimentAnalyzer().analyze(events.get(0).experiment(), runs.values());
  }

  static ExperimentEstimate streamed(Harness h, List<LossEvent> events, String experiment) {
    h.send(events);
    h.settle();
    return h.published(experiment);
  }

  @Test
  void shouldStreamASyntheticExperimentToTheSameEstimateAsTheOfflineAnalysis() {
    SyntheticExperiment exp = new SyntheticGenerator().generate(5);
    ExperimentEstimate offline = offline(exp.events());
    assertThat(offline.status()).isEqualTo("ok");
    try (Harness h = new Harness(dir.resolve("a"), settings())) {
      ExperimentEstimate live = streamed(h, exp.events(), exp.experiment());
      assertThat(live.status()).isEqualTo("ok");
      assertThat(live.cmr()).isCloseTo(offline.cmr(), within(TOLERANCE));
      assertThat(live.cmrLow()).isCloseTo(offline.cmrLow(), within(TOLERANCE));
      assertThat(live.cmrHigh()).isCloseTo(offline.cmrHigh(), within(TOLERANCE));
      assertThat(live.usableRuns()).isEqualTo(offline.usableRuns());

      // Published estimates: core's JSON, converging over time, not one per event; the last one is
      // the settled analysis, exactly what `cmrwatch fit` prints for these events.
      List<TestRecord<String, String>> published = h.estimates.readRecordsToList();
      assertThat(published).isNotEmpty().hasSizeLessThan(exp.events().size() / 4);
      TestRecord<String, String> last = published.get(published.size() - 1);
      assertThat(last.key()).isEqualTo(exp.experiment());
      assertThat(EstimateJson.read(last.value())).isEqualTo(live);
      JsonNode json = Harness.parse(last.value());
      assertThat(json.get("schema").asInt()).isEqualTo(ExperimentEstimate.SCHEMA);
      assertThat(json.get("cmrLaw").get("a4").isNumber()).isTrue();
      assertThat(json.get("runs")).hasSize(exp.runs().size());
      assertThat(json.get("cmr").asDouble()).isCloseTo(offline.cmr(), within(TOLERANCE));

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

  /**
   * A minimum change so large that the live analyses publish the first estimate only: the settling
   * analysis still publishes core's answer, so the topic and the API (which serves the published
   * estimate) end on exactly what core computes, not on a stale estimate.
   */
  @Test
  void shouldPublishTheSettledEstimateWhateverTheMinimumChange() {
    SyntheticExperiment exp = new SyntheticGenerator().generate(5);
    ExperimentEstimate offline = offline(exp.events());
    Map<String, String> coarse = new HashMap<>(settings());
    coarse.put("cmrwatch.estimate.min-change", "0.9");
    try (Harness h = new Harness(dir.resolve("coarse"), coarse)) {
      // The runs a tenth of the budget at a time, an analysis interval apart.
      for (int tenth = 1; tenth <= 10; tenth++) {
        double from = (tenth - 1) / 10.0;
        double to = tenth / 10.0;
        boolean last = tenth == 10;
        h.send(
            exp.events().stream()
                .filter(
                    e ->
                        e.tokens() >= from * exp.budgetTokens()
                            && (e.tokens() < to * exp.budgetTokens() || last))
                .toList());
        h.advance(java.time.Duration.ofMillis(1100));
      }
      List<String> live = h.estimates.readValuesToList();
      h.settle();
      List<String> settled = h.estimates.readValuesToList();
      assertThat(settled).hasSize(1);
      assertThat(EstimateJson.read(settled.get(0))).isEqualTo(offline);
      assertThat(h.published(exp.experiment())).isEqualTo(offline);
      // What was published before the settling analysis was not core's answer for all the events.
      assertThat(EstimateJson.read(live.get(live.size() - 1))).isNotEqualTo(offline);
    }
  }

  @Test
  void shouldGiveTheSameCmrForShuffledDuplicatedAndRunKeyedInput() {
    SyntheticExperiment exp = new SyntheticGenerator().generate(9);
    List<LossEvent> messy = new ArrayList<>(exp.events());
    messy.addAll(exp.events().subList(0, exp.events().size() / 3));
    Collections.shuffle(messy, new Random(42));
    ExperimentEstimate ordered;
    ExperimentEstimate shuffled;
    try (Harness h = new Harness(dir.resolve("ordered"), settings())) {
      ordered = streamed(h, exp.events(), exp.experiment());
    }
    try (Harness h = new Harness(dir.resolve("shuffled"), settings())) {
      // Every other record keyed by its run id, as producers before the experiment key did: it is
      // re-keyed, and counted once like the rest.
      for (int i = 0; i < messy.size(); i++) {
        LossEvent e = messy.get(i);
        h.events.pipeInput(
            i % 2 == 0 ? e.experiment() : e.run(), io.cmrwatch.core.event.LossEventCodec.encode(e));
      }
      h.settle();
      shuffled = h.published(exp.experiment());
      String metrics = h.metrics.scrape();
      assertThat(metrics)
          .contains(
              "cmrwatch_events_duplicate_total{application=\"cmrwatch-streams\"} "
                  + (double) (exp.events().size() / 3));
      assertThat(metrics)
          .contains(
              "cmrwatch_events_processed_total{application=\"cmrwatch-streams\"} "
                  + (double) messy.size());
      assertThat(h.dlq.readRecordsToList()).isEmpty();
    }
    assertThat(ordered.status()).isEqualTo("ok");
    assertThat(shuffled).isEqualTo(ordered);
  }

  /**
   * With a decoded-state budget of one byte every experiment is evicted as soon as another is put,
   * and read back from the stores when next needed: the streamed estimates, the duplicates found
   * and the published estimates are those of the default budget.
   */
  @Test
  void shouldGiveTheSameEstimatesWhenEveryExperimentIsReadBackFromTheStores() {
    SyntheticExperiment a = new SyntheticGenerator().generate(7);
    SyntheticExperiment b = new SyntheticGenerator().generate(8);
    assertThat(a.experiment()).isNotEqualTo(b.experiment());
    List<LossEvent> messy = new ArrayList<>(a.events());
    messy.addAll(b.events());
    messy.addAll(a.events().subList(0, a.events().size() / 4));
    Collections.shuffle(messy, new Random(7));
    Map<String, String> tiny = new HashMap<>(settings());
    tiny.put("cmrwatch.cache.decoded-bytes", "1");
    List<ExperimentEstimate> cached;
    List<ExperimentEstimate> reread;
    List<String> cachedPublished;
    List<String> rereadPublished;
    try (Harness h = new Harness(dir.resolve("cached"), settings())) {
      h.send(messy);
      h.settle();
      cached = List.of(h.published(a.experiment()), h.published(b.experiment()));
      cachedPublished = h.estimates.readValuesToList();
    }
    try (Harness h = new Harness(dir.resolve("reread"), tiny)) {
      h.send(messy);
      h.settle();
      reread = List.of(h.published(a.experiment()), h.published(b.experiment()));
      rereadPublished = h.estimates.readValuesToList();
      String metrics = h.metrics.scrape();
      assertThat(metrics)
          .contains(
              "cmrwatch_events_duplicate_total{application=\"cmrwatch-streams\"} "
                  + (double) (a.events().size() / 4));
      assertThat(metrics)
          .contains("cmrwatch_decoded_cache_limit_bytes{application=\"cmrwatch-streams\"} 1.0");
      assertThat(metrics)
          .doesNotContain(
              "cmrwatch_decoded_cache_evictions_total{application=\"cmrwatch-streams\"} 0.0");
    }
    assertThat(reread.get(0).status()).isEqualTo("ok");
    assertThat(reread).isEqualTo(cached);
    assertThat(rereadPublished).hasSameSizeAs(cachedPublished);
  }

  @Test
  void shouldCoverManyEventsOfAnExperimentWithOneAnalysis() {
    SyntheticExperiment exp = new SyntheticGenerator().generate(5);
    try (Harness h = new Harness(dir.resolve("coalesce"), settings())) {
      h.send(exp.events());
      h.settle();
      String metrics = h.metrics.scrape();
      double analyses =
          metrics
              .lines()
              .filter(
                  l ->
                      l.startsWith(
                          "cmrwatch_refits_total{application=\"cmrwatch-streams\","
                              + "level=\"experiment\"}"))
              .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
              .sum();
      // All the events arrived before the first punctuation: one warm analysis, one settling one.
      assertThat(analyses).isEqualTo(2.0);
    }
  }
}
