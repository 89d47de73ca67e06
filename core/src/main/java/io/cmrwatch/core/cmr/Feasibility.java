package io.cmrwatch.core.cmr;

import io.cmrwatch.core.law.Law;

/**
 * The feasibility test of one ratio at a budget, from its two laws (docs/method.md, "Feasibility"):
 * a ratio is <b>tolerable</b> when dGen(T_max) ≤ ε and <b>feasible</b> when it is tolerable and its
 * critical point T0 ≤ T_max. Everything is in token units.
 */
public final class Feasibility {

  /** T0 is searched up to this multiple of the larger of the budget and the observed tokens. */
  public static final double HORIZON_FACTOR = 1000.0;

  private Feasibility() {}

  /** True when dGen(budget) ≤ ε and T0 ≤ budget. */
  public static boolean feasible(
      Law domain, Law general, double budget, double epsilon, double lambda) {
    return tolerable(general, budget, epsilon)
        && criticalPoint(domain, general, lambda, budget) <= budget;
  }

  /**
   * True when the general-loss increase at the budget is within the tolerance: dGen(budget) ≤ ε.
   */
  public static boolean tolerable(Law general, double budget, double epsilon) {
    return general.value(budget) <= epsilon;
  }

  /** T0 with the standard horizon ({@value #HORIZON_FACTOR} × the budget). */
  public static double criticalPoint(Law domain, Law general, double lambda, double budget) {
    return CriticalPoint.t0(domain, general, lambda, HORIZON_FACTOR * budget);
  }
}
