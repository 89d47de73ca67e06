package io.cmrwatch.core.synth;

import io.cmrwatch.core.event.LossEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;

/**
 * Family {@code power}: the project's own generator ({@link SyntheticGenerator}, {@link
 * TrueFamily}) unchanged — the same seed gives the same events as {@code cmrwatch synth --seed}, so
 * its figures stay comparable with earlier ones. The truth is recomputed by {@link TrueCmr} (it
 * agrees with {@link TrueFamily#cmr} to far better than 1e-6).
 */
final class PowerFamily implements LawFamily {

  private final SyntheticGenerator generator = new SyntheticGenerator();

  @Override
  public String name() {
    return "power";
  }

  @Override
  public String summary() {
    return "the project's own laws (power laws in T and R), 6 ratios, 40–80 evaluations,"
        + " σ 0.002–0.005, 2 % outliers";
  }

  @Override
  public FamilyExperiment generate(long seed) {
    SyntheticExperiment e = generator.generate(seed);
    TrueFamily family = e.family();
    DoubleFunction<TrueCurves> trend = r -> TrueCurves.of(family.domain(r), family.general(r));
    double budget = e.budgetTokens() / e.tokenUnit();
    TrueCmr.Truth truth = TrueCmr.cmr(trend, budget, e.epsilon(), e.lambda());
    List<TrueRun> runs = new ArrayList<>();
    int min = Integer.MAX_VALUE;
    int max = 0;
    for (SyntheticRun r : e.runs()) {
      int n = 0;
      for (LossEvent ev : e.events()) {
        if (ev.run().equals(r.run()) && ev.tokens() > 0) {
          n++;
        }
      }
      min = Math.min(min, n);
      max = Math.max(max, n);
      TrueCurves c = TrueCurves.of(r.trueDomain(), r.trueGeneral());
      runs.add(
          new TrueRun(
              r.run(),
              r.ratio(),
              c,
              TrueCmr.t0(c, e.lambda(), budget) * e.tokenUnit(),
              TrueCmr.feasible(c, budget, e.epsilon(), e.lambda()),
              n));
    }
    return new FamilyExperiment(
        name(),
        e.experiment(),
        seed,
        e.budgetTokens(),
        e.tokenUnit(),
        e.epsilon(),
        e.lambda(),
        new Design(runs.size(), min, max, e.noise(), SyntheticGenerator.OUTLIER_RATE),
        List.copyOf(runs),
        e.events(),
        trend,
        truth.cmr(),
        truth.monotone());
  }
}
