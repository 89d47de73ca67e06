package io.cmrwatch.core.cmr;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The method's accuracy and the honesty of its intervals on 100 seeded synthetic experiments with
 * the whole budget observed (about 15 s on one core).
 */
class CmrAccuracyTest {

  @Test
  @Timeout(120)
  void shouldEstimateTheCmrWithinOnePointAndCoverTheTruthWithItsNinetyPercentInterval() {
    ExperimentAnalyzer analyzer = new ExperimentAnalyzer();
    SyntheticGenerator generator = new SyntheticGenerator();
    List<Double> errors = new ArrayList<>();
    int covered = 0;
    int n = 100;
    for (long seed = 1000; seed < 1000 + n; seed++) {
      SyntheticExperiment e = generator.generate(seed);
      ExperimentEstimate est = analyzer.analyze(e.experiment(), Experiments.summaries(e.events()));
      if (!est.ok()) {
        // No estimate counts as a full miss.
        errors.add(e.trueCmr());
        continue;
      }
      assertThat(est.cmrLow()).isLessThanOrEqualTo(est.cmr());
      assertThat(est.cmrHigh()).isGreaterThanOrEqualTo(est.cmr());
      errors.add(Math.abs(est.cmr() - e.trueCmr()));
      if (est.cmrLow() <= e.trueCmr() && e.trueCmr() <= est.cmrHigh()) {
        covered++;
      }
    }
    Collections.sort(errors);
    double median = 0.5 * (errors.get(n / 2 - 1) + errors.get(n / 2));
    assertThat(median).as("median |CMR error|").isLessThanOrEqualTo(0.01);
    assertThat(covered / (double) n)
        .as("coverage of the 90 %% interval")
        .isGreaterThanOrEqualTo(0.85);
  }
}
