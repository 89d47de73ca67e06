package io.cmrwatch.core.synth;

import static io.cmrwatch.core.synth.SyntheticGenerator.uniform;

import java.util.SplittableRandom;

/**
 * Family {@code nonpower}: within a run the project's two-term general law, but its parameters vary
 * with R in forms that are not power laws — the peak position is a logistic in R on a log scale,
 * the recovery's amplitude and the domain drop saturate exponentially in R — and the domain curve
 * is logarithmic in T:
 *
 * <pre>
 *   ln(Tp(R)/T_max) = L·(σ((R − Rc)/w) − σ((Rp − Rc)/w)),  σ(u) = 1/(1 + e^(−u)),  L 3–6, w 0.06–0.15,
 *                     Rc = Rp ± 0.08
 *   C(R)  = C_lo + (C_hi − C_lo)·(1 − e^(−R/ρ))                C_lo 0.01–0.03, C_hi 0.04–0.08, ρ 0.1–0.4
 *   dGen(T; R) = PowerBump(Tp(R), H(R), s2, s3),  H(R) = C(R)·(s3/s2 − 1)·(Tp/T_max)^s3
 *                (C(R)·(T/T_max)^s3 is the falling term: C is the recovery's size at the budget)
 *   dDom(T; R) = −D(R)·ln(1 + T/τ)/ln(1 + T_max/τ),  D(R) = D∞·(1 − e^(−R/ρd)),  τ = (0.05–0.5)·T_max
 * </pre>
 *
 * The peak moves fast with R near Rc and hardly at all far from it, unlike (R/Rp)^p.
 */
final class NonPowerFamily extends DesignedFamily {

  NonPowerFamily() {
    super(
        "nonpower",
        "the bump's peak position is logistic in R, the recovery and the domain drop saturate"
            + " exponentially in R, domain loss logarithmic in T; varied design");
  }

  @Override
  Model draw(SplittableRandom rnd, Grid grid) {
    double budget = grid.budget();
    double rp = grid.inner(rnd);
    double l = uniform(rnd, 3, 6);
    double w = uniform(rnd, 0.06, 0.15);
    double rc = rp + uniform(rnd, -0.08, 0.08);
    double sigmaP = logistic((rp - rc) / w);
    double cLo = uniform(rnd, 0.01, 0.03);
    double cHi = uniform(rnd, 0.04, 0.08);
    double rho = uniform(rnd, 0.1, 0.4);
    double s2 = uniform(rnd, 0.35, 0.5);
    double s3 = uniform(rnd, 0.85, 1.0);
    double dInf = uniform(rnd, 0.2, 0.45);
    double rhoD = uniform(rnd, 0.15, 0.5);
    double tau = budget * uniform(rnd, 0.05, 0.5);
    return ratio -> {
      double peak = budget * Math.exp(l * (logistic((ratio - rc) / w) - sigmaP));
      double recovery = cLo + (cHi - cLo) * -Math.expm1(-ratio / rho);
      double height = recovery * (s3 / s2 - 1) * Math.pow(peak / budget, s3);
      return new Shapes.Pair(
          new Shapes.PowerBump(peak, height, s2, s3),
          new Shapes.LogDrop(dInf * -Math.expm1(-ratio / rhoD), tau, budget));
    };
  }

  private static double logistic(double u) {
    return 1 / (1 + Math.exp(-u));
  }
}
