package io.cmrwatch.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScrapeTest {

  private static final Scrape SCRAPE =
      new Scrape(
          """
      # HELP cmrwatch_refit_duration_seconds time of one refit
      # TYPE cmrwatch_refit_duration_seconds histogram
      cmrwatch_refit_duration_seconds_bucket{application="cmrwatch-streams",level="run",le="0.001"} 3
      cmrwatch_refit_duration_seconds_count{application="cmrwatch-streams",level="run"} 3
      cmrwatch_events_processed_total{application="cmrwatch-streams"} 42.0
      cmrwatch_run_ratio{application="cmrwatch-streams",experiment="e,1=\\"x\\"",run="r1"} 0.25
      up 1
      """);

  @Test
  void shouldListSampleNamesWithTheirSuffixes() {
    assertThat(SCRAPE.sampleNames())
        .containsExactlyInAnyOrder(
            "cmrwatch_refit_duration_seconds_bucket",
            "cmrwatch_refit_duration_seconds_count",
            "cmrwatch_events_processed_total",
            "cmrwatch_run_ratio",
            "up");
  }

  @Test
  void shouldReadLabelNamesEvenWhenValuesHoldCommasAndQuotes() {
    assertThat(SCRAPE.labelNames("cmrwatch_run_ratio"))
        .containsExactly("application", "experiment", "run");
    assertThat(SCRAPE.labelNames("cmrwatch_refit_duration_seconds_bucket")).contains("level", "le");
  }

  @Test
  void shouldReportMissingNamesAndLabels() {
    Map<String, List<String>> used =
        Map.of("cmrwatch_run_ratio", List.of("p1"), "cmrwatch_nope", List.of("p2"));
    assertThat(SCRAPE.missing(used)).containsOnlyKeys("cmrwatch_nope");
    assertThat(
            SCRAPE.missingLabels(
                Map.of("cmrwatch_run_ratio", Map.of("run", List.of("p1"), "kind", List.of("p3")))))
        .containsOnlyKeys("cmrwatch_run_ratio{kind}");
  }

  @Test
  void shouldCheckTheCommonTagOnEveryOwnSample() {
    SCRAPE.assertOwnMetricsCarry("cmrwatch-streams", 4);
    assertThatThrownBy(() -> SCRAPE.assertOwnMetricsCarry("cmrwatch-ingest", 1))
        .hasMessageContaining("without application=\"cmrwatch-ingest\"");
    assertThatThrownBy(() -> SCRAPE.assertOwnMetricsCarry("cmrwatch-streams", 5))
        .hasMessageContaining("at least 5");
    Scrape untagged = new Scrape("cmrwatch_x_total{app=\"cmrwatch-streams\"} 1\njvm_y 2\n");
    assertThatThrownBy(() -> untagged.assertOwnMetricsCarry("cmrwatch-streams", 1))
        .hasMessageContaining("cmrwatch_x_total");
  }
}
