package io.cmrwatch.core.synth;

import static io.cmrwatch.core.synth.SyntheticGenerator.uniform;

import java.util.SplittableRandom;

/**
 * Family {@code drift}: the project's law forms within each run, but every exponent drifts with R,
 * so no exponent is shared across the runs:
 *
 * <pre>
 *   u(R)  = tanh(ln(R/Rp)) = ((R/Rp)² − 1)/((R/Rp)² + 1)      (−1 at R → 0, 0 at Rp, → +1 above)
 *   s_j(R) = s_j + A_j·u(R)           j = 1, 2, 3;  |A1| 0.05–0.1, |A2| 0.06–0.12, |A3| 0.1–0.2, signs random
 *   dGen(T; R) = PowerBump(Tp(R), H(R), s2(R), s3(R)),  Tp(R) = T_max·(R/Rp)^p,  H(R) = Hp·(Tp/T_max)^s3(R)
 *   dDom(T; R) = −D·R^q·(T/T_max)^s1(R)
 * </pre>
 *
 * (PowerBump: the two-term general law written by its peak height H at Tp; with H as above the
 * falling term's amplitude, H/((s3/s2 − 1)·Tp^s3), does not explode where Tp is small.) Across the
 * trained ratios the rising exponent s2 moves by up to ±0.1 and the falling one by up to ±0.16.
 */
final class DriftFamily extends DesignedFamily {

  DriftFamily() {
    super(
        "drift",
        "exponents s1, s2, s3 drift with R (tanh of ln R, up to ±0.16 across the ratios);"
            + " varied design");
  }

  @Override
  Model draw(SplittableRandom rnd, Grid grid) {
    double budget = grid.budget();
    double rp = grid.inner(rnd);
    double p = uniform(rnd, 1.5, 2.5);
    double hp = uniform(rnd, 0.03, 0.09);
    double s1 = uniform(rnd, 0.2, 0.4);
    double s2 = uniform(rnd, 0.3, 0.45);
    double s3 = uniform(rnd, 0.85, 1.1);
    double a1 = signed(rnd, 0.05, 0.1);
    double a2 = signed(rnd, 0.06, 0.12);
    double a3 = signed(rnd, 0.1, 0.2);
    double d = uniform(rnd, 0.25, 0.5);
    double q = uniform(rnd, 0.3, 0.6);
    return ratio -> {
      double x = ratio / rp;
      double u = (x * x - 1) / (x * x + 1);
      double peak = budget * Math.pow(x, p);
      double s3r = s3 + a3 * u;
      double height = hp * Math.pow(peak / budget, s3r);
      return new Shapes.Pair(
          new Shapes.PowerBump(peak, height, s2 + a2 * u, s3r),
          new Shapes.PowerDrop(d * Math.pow(ratio, q), s1 + a1 * u, budget));
    };
  }

  private static double signed(SplittableRandom rnd, double lo, double hi) {
    return (rnd.nextBoolean() ? 1 : -1) * uniform(rnd, lo, hi);
  }
}
