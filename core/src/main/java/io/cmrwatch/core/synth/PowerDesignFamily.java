package io.cmrwatch.core.synth;

import static io.cmrwatch.core.synth.SyntheticGenerator.uniform;

import java.util.SplittableRandom;

/**
 * Family {@code power-design}: the laws of {@code power} ({@link TrueFamily}, drawn from the same
 * ranges) sampled with the varied design of {@link DesignedFamily} — 4, 6 or 10 ratios, 20–200
 * evaluations, σ 0.001–0.01, 1–5 % outliers — so the design's effect shows apart from the curves'
 * form.
 */
final class PowerDesignFamily extends DesignedFamily {

  PowerDesignFamily() {
    super(
        "power-design",
        "the power family's laws with the varied design (4/6/10 ratios, 20–200 evaluations,"
            + " σ 0.001–0.01, 1–5 % outliers)");
  }

  @Override
  Model draw(SplittableRandom rnd, Grid grid) {
    TrueFamily f =
        new TrueFamily(
            grid.budget(),
            uniform(rnd, 0.2, 0.4),
            uniform(rnd, 0.25, 0.5),
            uniform(rnd, 0.3, 0.6),
            uniform(rnd, 0.35, 0.5),
            uniform(rnd, 0.85, 1.0),
            grid.inner(rnd),
            uniform(rnd, 1.5, 2.5),
            uniform(rnd, 0.03, 0.09));
    return ratio -> TrueCurves.of(f.domain(ratio), f.general(ratio));
  }
}
