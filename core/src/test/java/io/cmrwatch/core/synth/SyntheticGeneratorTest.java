package io.cmrwatch.core.synth;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.core.event.LossEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyntheticGeneratorTest {

  @Test
  void shouldBeDeterministicPerSeed() {
    SyntheticExperiment a = new SyntheticGenerator().generate(42);
    SyntheticExperiment b = new SyntheticGenerator().generate(42);
    SyntheticExperiment c = new SyntheticGenerator().generate(43);
    assertThat(a.events()).isEqualTo(b.events());
    assertThat(a.trueCmr()).isEqualTo(b.trueCmr());
    assertThat(c.events()).isNotEqualTo(a.events());
  }

  @Test
  void shouldPlaceTheTrueCmrStrictlyInsideTheTrainedRatiosWithT0GrowingWithR() {
    for (long seed = 0; seed < 50; seed++) {
      SyntheticExperiment e = new SyntheticGenerator().generate(seed);
      List<SyntheticRun> runs = e.runs();
      assertThat(runs).hasSize(6);
      assertThat(e.trueCmr()).isGreaterThan(runs.get(0).ratio()).isLessThan(runs.get(5).ratio());
      for (int i = 1; i < runs.size(); i++) {
        assertThat(runs.get(i).trueT0()).isGreaterThan(runs.get(i - 1).trueT0());
      }
      for (SyntheticRun r : runs) {
        assertThat(r.trueFeasible())
            .as("seed %d run %s", seed, r.run())
            .isEqualTo(r.ratio() <= e.trueCmr());
      }
    }
  }

  @Test
  void shouldEmitValidEventsWithBaseLossesAndIrregularSpacing() {
    SyntheticExperiment e = new SyntheticGenerator().generate(3);
    long zeros = e.events().stream().filter(ev -> ev.tokens() == 0).count();
    assertThat(zeros).isEqualTo(6);
    for (LossEvent ev : e.events()) {
      assertThat(ev.budgetTokens()).isEqualTo(e.budgetTokens());
      assertThat(ev.tokens()).isBetween(0L, e.budgetTokens());
    }
    List<LossEvent> run =
        e.events().stream().filter(ev -> ev.run().equals(e.runs().get(0).run())).toList();
    assertThat(run.size()).isBetween(30, 81);
    long gap1 = run.get(2).tokens() - run.get(1).tokens();
    long gapN = run.get(run.size() - 1).tokens() - run.get(run.size() - 2).tokens();
    assertThat(gapN).isGreaterThan(gap1);
    assertThat(e.eventsUpTo(0.25))
        .allSatisfy(ev -> assertThat(ev.tokens()).isLessThanOrEqualTo(e.budgetTokens() / 4));
  }
}
