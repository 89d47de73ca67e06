package io.cmrwatch.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemoSummaryTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String s) throws Exception {
    return JSON.readTree(s.replace('\'', '"'));
  }

  @Test
  void shouldShowTheEstimateWithItsIntervalAndEachRunByRatio() throws Exception {
    JsonNode exp =
        json(
            "{'estimate':{'experiment':'e1','status':'ok','cmr':0.3417,'cmrLow':0.301,'cmrHigh':0.38},"
                + "'history':[{'status':'insufficient_runs'},{'status':'ok','cmr':0.3}],'runs':['r500','r125']}");
    JsonNode high =
        json(
            "{'run':'r500','ratio':0.5,'budgetTokens':2.0e9,'points':[{'tokens':1.0e8},{'tokens':4.0e8}],"
                + "'fit':{'t0Tokens':2.6e9,'t0Low':2.1e9,'t0High':3.3e9,'feasible':false}}");
    JsonNode low =
        json(
            "{'run':'r125','ratio':0.125,'budgetTokens':2.0e9,'points':[{'tokens':4.0e8}],"
                + "'fit':{'t0Tokens':6.1e8,'t0Low':4.9e8,'t0High':7.9e8,'feasible':true}}");

    DemoSummary s =
        DemoSummary.from(
            "e1", exp, List.of(high, low), "http://127.0.0.1:8080/", Duration.ofSeconds(75));

    assertThat(s.hasEstimate()).isTrue();
    assertThat(s.runs()).extracting(DemoSummary.RunLine::run).containsExactly("r125", "r500");
    String text = s.render();
    assertThat(text)
        .contains(
            "after 1m15s", "CMR         34.2 %  (interval 30.1 % – 38.0 %), from 2 estimates");
    assertThat(text.lines().filter(l -> l.startsWith("r125")).findFirst().orElseThrow())
        .contains("12.5 %", "400M", "610M", "490M – 790M", "2B", "yes");
    assertThat(text.lines().filter(l -> l.startsWith("r500")).findFirst().orElseThrow())
        .contains("50.0 %", "2.6B", "2.1B – 3.3B", "no");
    assertThat(text).contains("page        http://127.0.0.1:8080/");
  }

  @Test
  void shouldSayWhyThereIsNoEstimateAndWhichRunsAreNotFittedYet() throws Exception {
    JsonNode exp = json("{'estimate':{'status':'insufficient_runs'},'history':[],'runs':['r1']}");
    JsonNode run = json("{'run':'r1','ratio':1.0,'points':[],'fit':null}");

    DemoSummary s = DemoSummary.from("e2", exp, List.of(run), "http://x/", Duration.ofSeconds(3));

    assertThat(s.hasEstimate()).isFalse();
    assertThat(s.render())
        .contains("CMR         no estimate: insufficient runs")
        .containsPattern("r1 +100.0 % +0 .*not fitted yet");
  }

  @Test
  void shouldDescribeAnEstimateInOneShortLine() throws Exception {
    assertThat(
            EstimateWatcher.describe(
                json(
                    "{'status':'ok','cmr':0.25,'cmrLow':0.2,'cmrHigh':0.312,'runsUsed':4,'pointsUsed':96}")))
        .isEqualTo("CMR 25.0 % [20.0 % – 31.2 %] — 4 runs, 96 points");
    assertThat(EstimateWatcher.describe(json("{'status':'insufficient_points','runsUsed':1}")))
        .isEqualTo("no estimate yet: insufficient points — 1 run");
  }
}
