package io.cmrwatch.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs above the CMR interval get one ratio_above_cmr alert and advice; both follow the estimate
 * when it moves.
 */
class RatioJudgementTopologyTest {

  @TempDir Path dir;

  @Test
  void shouldAlertAndAdviseRunsOutsideTheCmrIntervalOnceAndResolveWhenTheEstimateMoves() {
    SyntheticExperiment exp = new SyntheticGenerator().generate(5);
    try (Harness h = new Harness(dir, CmrTopologyTest.settings())) {
      ExperimentEstimate e = CmrTopologyTest.streamed(h, exp.events(), exp.experiment());
      assertThat(e.ok()).isTrue();
      Set<String> above =
          exp.runs().stream()
              .filter(r -> r.ratio() > e.cmrHigh())
              .map(r -> r.run())
              .collect(Collectors.toSet());
      Set<String> below =
          exp.runs().stream()
              .filter(r -> r.ratio() < e.cmrLow())
              .map(r -> r.run())
              .collect(Collectors.toSet());
      assertThat(above).isNotEmpty();
      assertThat(below).isNotEmpty();

      List<JsonNode> alerts =
          Harness.json(h.alerts).stream()
              .filter(a -> a.get("kind").asText().equals("ratio_above_cmr"))
              .toList();
      // Firing at most once per run (an earlier, wider estimate may already have resolved some),
      // and every run now
      // above the interval has its alert firing.
      Set<String> firingNow =
          alerts.stream()
              .collect(Collectors.groupingBy(a -> a.get("run").asText()))
              .entrySet()
              .stream()
              .filter(
                  g ->
                      g.getValue()
                          .get(g.getValue().size() - 1)
                          .get("state")
                          .asText()
                          .equals("firing"))
              .map(g -> g.getKey())
              .collect(Collectors.toSet());
      assertThat(firingNow).isEqualTo(above);
      alerts.stream()
          .collect(Collectors.groupingBy(a -> a.get("run").asText()))
          .values()
          .forEach(
              list -> {
                for (int i = 0; i < list.size(); i++) {
                  assertThat(list.get(i).get("state").asText())
                      .isEqualTo(i % 2 == 0 ? "firing" : "resolved");
                }
              });

      List<JsonNode> advice = Harness.json(h.advice);
      JsonNode last =
          advice.stream()
              .filter(a -> above.contains(a.get("run").asText()))
              .reduce((a, b) -> b)
              .orElseThrow();
      assertThat(last.get("schema").asInt()).isEqualTo(1);
      assertThat(last.get("experiment").asText()).isEqualTo(exp.experiment());
      assertThat(last.get("reason").asText()).isEqualTo("ratio_above_cmr_interval");
      assertThat(last.get("advisedRatio").asDouble())
          .isLessThan(last.get("currentRatio").asDouble());
      for (String field :
          List.of("currentRatio", "advisedRatio", "cmr", "cmrLow", "cmrHigh", "time", "run")) {
        assertThat(last.has(field)).as(field).isTrue();
      }
      assertThat(advice.stream().map(a -> a.get("run").asText()).collect(Collectors.toSet()))
          .containsAll(below);

      // The operator accepts far more forgetting over a much longer budget: the CMR moves up,
      // alerts resolve.
      h.experiments.pipeInput(
          exp.experiment(),
          ("{\"schema\":1,\"epsilon\":5,\"budgetTokens\":" + 20 * exp.budgetTokens() + "}")
              .getBytes(StandardCharsets.UTF_8));
      LossEvent any = exp.events().get(exp.events().size() - 1);
      h.send(any.toBuilder().tokens(any.tokens() + 1).eventId(any.eventId() + "-late").build());
      h.settle();
      ExperimentEstimate later = h.published(exp.experiment());
      List<JsonNode> moved =
          Harness.json(h.alerts).stream()
              .filter(a -> a.get("kind").asText().equals("ratio_above_cmr"))
              .toList();
      Set<String> stillAbove =
          exp.runs().stream()
              .filter(r -> r.ratio() > later.cmrHigh())
              .map(r -> r.run())
              .collect(Collectors.toSet());
      Set<String> resolved =
          moved.stream()
              .filter(a -> a.get("state").asText().equals("resolved"))
              .map(a -> a.get("run").asText())
              .collect(Collectors.toSet());
      assertThat(later.cmrHigh()).isGreaterThan(e.cmrHigh());
      assertThat(resolved).isNotEmpty();
      Set<String> expected = new java.util.HashSet<>(above);
      expected.removeAll(stillAbove);
      assertThat(resolved).isEqualTo(expected);
    }
  }
}
