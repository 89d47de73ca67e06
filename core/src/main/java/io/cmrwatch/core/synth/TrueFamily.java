package io.cmrwatch.core.synth;

import io.cmrwatch.core.cmr.Feasibility;
import io.cmrwatch.core.law.Law;
import io.cmrwatch.core.law.LawForm;

/**
 * A consistent family of true laws across the domain share R, in token units, from which synthetic
 * experiments are drawn. The general-loss bump of ratio R peaks at Tp(R) = T_max·(R/Rp)^p, so the
 * bump turns over later for larger R and T0(R) increases with R:
 *
 * <pre>
 *   dGen(T; R) = a2(R)·T^s2 − c·T^s3 ,   a2(R) = c·(s3/s2)·Tp(R)^(s3 − s2)     (peak of height Hp at Tp(Rp) = T_max)
 *   dDom(T; R) = −D·R^q·(T/T_max)^s1
 * </pre>
 *
 * <p>At a fixed T both are of the paper's across-ratio form α·R^s + β, as the method assumes.
 *
 * @param budget T_max in token units
 * @param s1 domain exponent
 * @param domainScale D, the domain-loss drop at T_max for R = 1
 * @param q ratio exponent of the domain drop
 * @param s2 rising general exponent
 * @param s3 falling general exponent (&gt; s2)
 * @param peakRatio Rp, the ratio whose general-loss bump peaks exactly at T_max
 * @param p ratio exponent of the peak position
 * @param peakHeight Hp, the general-loss increase at the peak for R = Rp
 */
public record TrueFamily(
    double budget,
    double s1,
    double domainScale,
    double q,
    double s2,
    double s3,
    double peakRatio,
    double p,
    double peakHeight) {

  /** c, the scale of the falling general term. */
  public double c() {
    // Peak height of a2·T^s2 − c·T^s3 at its peak Tp is c·Tp^s3·(s3/s2 − 1); at R = Rp, Tp = T_max.
    return peakHeight / (Math.pow(budget, s3) * (s3 / s2 - 1));
  }

  /** Peak position Tp(R) of the general-loss bump, in token units. */
  public double peak(double ratio) {
    return budget * Math.pow(ratio / peakRatio, p);
  }

  /** True dGen law of ratio R. */
  public Law general(double ratio) {
    double c = c();
    double a2 = c * (s3 / s2) * Math.pow(peak(ratio), s3 - s2);
    return Law.of(LawForm.GENERAL, a2, s2, -c, s3, 0.0);
  }

  /** True dDom law of ratio R. */
  public Law domain(double ratio) {
    double a1 = -domainScale * Math.pow(ratio, q) / Math.pow(budget, s1);
    return Law.of(LawForm.DOMAIN, a1, s1, 0.0);
  }

  /**
   * The true CMR at a budget (token units): the largest R in (0, 1] that is feasible, by bisection
   * on R over the family itself (feasibility is monotone in R here), with the same {@link
   * Feasibility} code the estimator uses. Returns 0 when no ratio is feasible and 1 when all are.
   */
  public double cmr(double atBudget, double epsilon, double lambda) {
    if (feasible(1.0, atBudget, epsilon, lambda)) {
      return 1.0;
    }
    double lo = 1e-6;
    if (!feasible(lo, atBudget, epsilon, lambda)) {
      return 0.0;
    }
    double hi = 1.0;
    for (int i = 0; i < 60; i++) {
      double mid = 0.5 * (lo + hi);
      if (feasible(mid, atBudget, epsilon, lambda)) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return 0.5 * (lo + hi);
  }

  private boolean feasible(double ratio, double atBudget, double epsilon, double lambda) {
    return Feasibility.feasible(domain(ratio), general(ratio), atBudget, epsilon, lambda);
  }
}
