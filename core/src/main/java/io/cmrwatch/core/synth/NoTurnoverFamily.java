package io.cmrwatch.core.synth;

import static io.cmrwatch.core.synth.SyntheticGenerator.uniform;

import java.util.SplittableRandom;

/**
 * Family {@code no-turnover}: the bump's peak moves with R as an exponential saturating at 100 ×
 * the budget, and passes 10 × the budget at a share R10 inside the grid, so the highest-share runs
 * (1 of 4, 2 of 6, 3 of 10) rise throughout 10 × T_max — their general loss never turns over in any
 * horizon the data could show:
 *
 * <pre>
 *   ln(Tp(R)/T_max) = M·tanh(k·(R − Rp)/M),  M = ln 100,  k such that Tp(R10) = 10·T_max
 *   dGen(T; R) = PowerBump(Tp(R), H(R), s2, s3),  H(R) = Hp·(Tp/T_max)^s3        Hp 0.01–0.05
 *   dDom(T; R) = −D·R^q·(T/T_max)^s1
 * </pre>
 *
 * Near Rp the peak moves exponentially in R (slope k in ln Tp), not as a power of R. As in {@code
 * power}, the falling term's amplitude is the same for every R (H grows as Tp^s3), so the rise is
 * what grows with R. The bump at Rp is low (Hp 0.01–0.05): the CMR is almost always set by the
 * turn-over, not by ε, and the runs between the CMR and R10 are tolerable but still rising at the
 * budget.
 */
final class NoTurnoverFamily extends DesignedFamily {

  NoTurnoverFamily() {
    super(
        "no-turnover",
        "the highest shares' general loss rises throughout 10 × the budget (peak position"
            + " exponential in R); varied design");
  }

  /** ln of the largest (and of the inverse of the smallest) peak position, in budgets. */
  private static final double LN_CAP = Math.log(100);

  /** How many of the highest-share runs never turn over within 10 × the budget. */
  static int risingRuns(int ratios) {
    return ratios <= 4 ? 1 : ratios <= 6 ? 2 : 3;
  }

  @Override
  Model draw(SplittableRandom rnd, Grid grid) {
    double budget = grid.budget();
    double step = grid.step();
    double firstRising = grid.ratios()[grid.size() - risingRuns(grid.size())];
    double r10 = uniform(rnd, firstRising - 0.8 * step, firstRising - 0.05 * step);
    double rp = uniform(rnd, grid.first() + 0.5 * step, r10 - 0.5 * step);
    double k = LN_CAP * atanh(Math.log(10) / LN_CAP) / (r10 - rp);
    double hp = uniform(rnd, 0.01, 0.05);
    double s1 = uniform(rnd, 0.2, 0.4);
    double s2 = uniform(rnd, 0.35, 0.5);
    double s3 = uniform(rnd, 0.85, 1.0);
    double d = uniform(rnd, 0.25, 0.5);
    double q = uniform(rnd, 0.3, 0.6);
    return ratio -> {
      double peak = budget * Math.exp(LN_CAP * Math.tanh(k * (ratio - rp) / LN_CAP));
      double height = hp * Math.pow(peak / budget, s3);
      return new Shapes.Pair(
          new Shapes.PowerBump(peak, height, s2, s3),
          new Shapes.PowerDrop(d * Math.pow(ratio, q), s1, budget));
    };
  }

  private static double atanh(double x) {
    return 0.5 * Math.log((1 + x) / (1 - x));
  }
}
