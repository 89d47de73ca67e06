package io.cmrwatch.core.synth;

import static io.cmrwatch.core.synth.SyntheticGenerator.uniform;

import java.util.SplittableRandom;

/**
 * Family {@code exp-recovery}: the general loss recovers exponentially in T after its peak, not as
 * a power law, towards a plateau that grows with R; the domain loss saturates exponentially:
 *
 * <pre>
 *   dGen(T; R) = H(R)·(x·e^(1−x))^s + b(R)·(1 − e^(−x)),  x = T/Tp(R),  Tp(R) = T_max·(R/Rp)^p,
 *                H(R) = Hp·(R/Rp)^h,  b(R) = b0·R                  s 0.35–0.6, h 0.5–1.5, b0 0–0.04
 *   dDom(T; R) = −D·R^q·(1 − e^(−T/τ))/(1 − e^(−T_max/τ)),  τ = (0.2–1)·T_max
 * </pre>
 */
final class ExpRecoveryFamily extends DesignedFamily {

  ExpRecoveryFamily() {
    super(
        "exp-recovery",
        "general loss rises as T^s and recovers exponentially in T towards a plateau; domain"
            + " loss saturates exponentially; varied design");
  }

  @Override
  Model draw(SplittableRandom rnd, Grid grid) {
    double budget = grid.budget();
    double rp = grid.inner(rnd);
    double p = uniform(rnd, 1.5, 2.5);
    double hp = uniform(rnd, 0.03, 0.09);
    double h = uniform(rnd, 0.5, 1.5);
    double s = uniform(rnd, 0.35, 0.6);
    double b0 = uniform(rnd, 0, 0.04);
    double d = uniform(rnd, 0.25, 0.5);
    double q = uniform(rnd, 0.3, 0.6);
    double tau = budget * uniform(rnd, 0.2, 1.0);
    return ratio -> {
      double x = ratio / rp;
      return new Shapes.Pair(
          new Shapes.ExpBump(budget * Math.pow(x, p), hp * Math.pow(x, h), s, b0 * ratio),
          new Shapes.ExpDrop(d * Math.pow(ratio, q), tau, budget));
    };
  }
}
