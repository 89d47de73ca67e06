package io.cmrwatch.streams.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.core.cmr.EstimateJson;
import io.cmrwatch.core.cmr.ExperimentAnalyzer;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.cmr.RunEstimate;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The app's JSON mapping writes core's estimates exactly as core does, and reads them back. */
class JsonTest {

  @Test
  void shouldWriteCoresEstimatesAsEstimateJsonDoesAndReadRunsBackEqual() throws Exception {
    SyntheticExperiment exp = new SyntheticGenerator().generate(3);
    Map<String, RunSummary> runs = new LinkedHashMap<>();
    for (LossEvent e : exp.events()) {
      runs.computeIfAbsent(e.run(), r -> new RunSummary(e.experiment(), r)).absorb(e);
    }
    ExperimentEstimate e = new ExperimentAnalyzer().analyze(exp.experiment(), runs.values());
    assertThat(e.status()).isEqualTo("ok");
    assertThat(Json.MAPPER.writeValueAsString(e)).isEqualTo(EstimateJson.write(e));
    for (RunEstimate r : e.runs()) {
      assertThat(Json.MAPPER.readValue(Json.bytes(r), RunEstimate.class)).isEqualTo(r);
    }
  }
}
