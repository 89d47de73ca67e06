package io.cmrwatch.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.law.Law;
import io.cmrwatch.core.law.LawForm;
import io.cmrwatch.streams.publish.RunFitRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each per-run alert kind fires once and resolves once, driven through the real topology. */
class AlertTopologyTest {

  static final double UNIT = 2e8;
  static final long BUDGET = 20_000_000_000L;
  static final Law DOMAIN = Law.of(LawForm.DOMAIN, -0.1, 0.3, 0);

  @TempDir Path dir;

  Harness harness() {
    return new Harness(
        dir,
        Map.of(
            "cmrwatch.estimate.min-interval-ms",
            "0",
            "cmrwatch.run-fit.min-interval-ms",
            "0",
            "cmrwatch.alert.stall-after-ms",
            "60000",
            "cmrwatch.alert.stall-check-interval-ms",
            "1000"));
  }

  static LossEvent event(
      String exp, String run, double t, Law general, double extraGeneral, Long budget) {
    long tokens = Math.round(t * UNIT);
    return LossEvent.builder()
        .experiment(exp)
        .run(run)
        .ratio(0.3)
        .tokens(tokens)
        .generalLoss(2.3 + general.value(t) + extraGeneral)
        .domainLoss(2.2 + DOMAIN.value(t))
        .baseGeneralLoss(2.3)
        .baseDomainLoss(2.2)
        .budgetTokens(budget)
        .eventId(run + "/" + tokens)
        .build();
  }

  /** Sends one event and lets the punctuation that follows it analyse the experiment. */
  static void send(Harness h, LossEvent e) {
    h.send(e);
    h.advance(Duration.ofMillis(30));
  }

  static List<JsonNode> alertsOf(List<JsonNode> all, String kind) {
    return all.stream().filter(a -> a.get("kind").asText().equals(kind)).toList();
  }

  static List<String> states(List<JsonNode> alerts) {
    return alerts.stream().map(a -> a.get("state").asText()).toList();
  }

  @Test
  void shouldFireObservedForgettingOnceAndResolveItOnce() {
    // A bump: dGen = 0.1·t^0.5 − 0.05·t^0.8 rises above ε = 0.05 near t = 1.5 and falls below 0.045
    // by t = 6.
    Law bump = Law.of(LawForm.GENERAL, 0.1, 0.5, -0.05, 0.8, 0);
    try (Harness h = harness()) {
      for (double t = 0.1; t <= 8.0; t += 0.1) {
        send(h, event("exp-a", "a", t, bump, 0, null));
      }
      List<JsonNode> observed = alertsOf(Harness.json(h.alerts), "forgetting_observed");
      assertThat(states(observed)).containsExactly("firing", "resolved");
      assertThat(observed.get(0).get("values").get("generalLossIncrease").asDouble())
          .isGreaterThan(0.05);
      assertThat(observed.get(0).get("severity").asText()).isEqualTo("critical");
      assertThat(observed.get(0).get("run").asText()).isEqualTo("a");
      assertThat(observed.get(1).get("values").get("generalLossIncrease").asDouble())
          .isLessThanOrEqualTo(0.045);
    }
  }

  @Test
  void shouldFireASpikeOnceAndResolveItWithTheNextNormalEvent() {
    Law flat = Law.of(LawForm.GENERAL, 0.003, 0.5, 0, 0.5, 0);
    try (Harness h = harness()) {
      for (int i = 1; i <= 15; i++) {
        send(h, event("exp-b", "b", 0.2 * i, flat, 0, BUDGET));
      }
      assertThat(Harness.json(h.alerts)).isEmpty();
      send(h, event("exp-b", "b", 3.1, flat, 0.5, BUDGET));
      send(h, event("exp-b", "b", 3.2, flat, 0, BUDGET));
      send(h, event("exp-b", "b", 3.3, flat, 0, BUDGET));
      List<JsonNode> all = Harness.json(h.alerts);
      assertThat(states(alertsOf(all, "loss_spike"))).containsExactly("firing", "resolved");
      assertThat(alertsOf(all, "loss_spike").get(0).get("values").get("generalResidual").asDouble())
          .isGreaterThan(0.4);
    }
  }

  @Test
  void shouldFirePredictedForgettingOnceAndResolveWhenTheExperimentsToleranceIsRaised() {
    // dGen = 0.03·√t keeps rising: 0.3 at the budget (t = 100) while only ~0.04 is observed by t =
    // 2.
    Law rising = Law.of(LawForm.GENERAL, 0.03, 0.5, 0, 0.5, 0);
    try (Harness h = harness()) {
      for (double t = 0.1; t <= 2.0; t += 0.1) {
        send(h, event("exp-c", "c", t, rising, 0, BUDGET));
      }
      List<JsonNode> first = alertsOf(Harness.json(h.alerts), "forgetting_predicted");
      assertThat(states(first)).containsExactly("firing");
      assertThat(first.get(0).get("values").get("predictedGeneralLossIncrease").asDouble())
          .isBetween(0.25, 0.35);
      // The operator accepts more forgetting for this experiment (compacted settings topic): the
      // next refit resolves.
      h.experiments.pipeInput(
          "exp-c", "{\"schema\":1,\"epsilon\":0.5}".getBytes(StandardCharsets.UTF_8));
      send(h, event("exp-c", "c", 2.1, rising, 0, BUDGET));
      send(h, event("exp-c", "c", 2.2, rising, 0, BUDGET));
      List<JsonNode> later = Harness.json(h.alerts);
      assertThat(states(alertsOf(later, "forgetting_predicted"))).containsExactly("resolved");
      assertThat(alertsOf(later, "forgetting_observed")).isEmpty();
      // The run's fit on cpt.run-fits: core's result for the run, with its experiment's settings.
      List<String> fits = h.runFits.readValuesToList();
      JsonNode fit = Harness.parse(fits.get(fits.size() - 1));
      assertThat(fit.get("schema").asInt()).isEqualTo(RunFitRecord.SCHEMA);
      assertThat(fit.get("experiment").asText()).isEqualTo("exp-c");
      assertThat(fit.get("epsilon").asDouble()).isEqualTo(0.5);
      assertThat(fit.get("fit").get("run").asText()).isEqualTo("c");
      // (Its reading at the budget is the latest analysis': from 2 % of the budget it is an
      // extrapolation that moves from one analysis to the next.)
      assertThat(fit.get("fit").get("generalLossIncreaseAtBudget").isNumber()).isTrue();
    }
  }

  @Test
  void shouldDetectAStalledRunByWallClockTimeOnceAndResolveWhenItReportsAgain() {
    Law flat = Law.of(LawForm.GENERAL, 0.01, 0.5, 0, 0.5, 0);
    try (Harness h = harness()) {
      send(h, event("exp-d", "d", 0.1, flat, 0, null));
      h.advance(Duration.ofSeconds(30));
      assertThat(alertsOf(Harness.json(h.alerts), "run_stalled")).isEmpty();
      h.advance(Duration.ofSeconds(31));
      h.advance(Duration.ofSeconds(120));
      List<JsonNode> stalled = alertsOf(Harness.json(h.alerts), "run_stalled");
      assertThat(states(stalled)).containsExactly("firing");
      assertThat(stalled.get(0).get("values").get("secondsSinceLastEvent").asDouble())
          .isBetween(60.0, 62.0);
      assertThat(h.metrics.scrape())
          .contains(
              "cmrwatch_run_alert_active{application=\"cmrwatch-streams\","
                  + "experiment=\"exp-d\",kind=\"run_stalled\",run=\"d\"} 1.0");
      send(h, event("exp-d", "d", 0.2, flat, 0, null));
      assertThat(states(alertsOf(Harness.json(h.alerts), "run_stalled")))
          .containsExactly("resolved");
      assertThat(h.metrics.scrape())
          .contains(
              "cmrwatch_alerts_total{application=\"cmrwatch-streams\","
                  + "kind=\"run_stalled\",state=\"resolved\"} 1.0");
    }
  }
}
