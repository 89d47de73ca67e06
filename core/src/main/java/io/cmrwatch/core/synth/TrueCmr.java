package io.cmrwatch.core.synth;

import io.cmrwatch.core.cmr.Feasibility;
import java.util.function.DoubleFunction;

/**
 * The method's definitions (docs/method.md, "Feasibility") evaluated numerically on true curves of
 * any shape, independently of the estimator's law forms: the truth every synthetic family is scored
 * against. T is in token units.
 *
 * <pre>
 *   tolerable:  dGen(T_max) ≤ ε
 *   dF/dT     = dDom'(T) + λ·dGen'(T)
 *   T0        = the last crossing of dF/dT from positive to non-positive (0 when dF/dT ≤ 0 throughout,
 *               +∞ when dF/dT &gt; 0 at the horizon, {@value #HORIZON_FACTOR} × T_max as in the method)
 *   feasible:  tolerable and T0 ≤ T_max, i.e. dF/dT ≤ 0 at every T ≥ T_max up to the horizon
 *   CMR       = the largest feasible R in (0, 1]
 * </pre>
 *
 * <p>Nothing here assumes that feasibility is monotone in R: the CMR is found on a grid of {@value
 * #RATIO_GRID} ratios, every change of feasibility along the grid is counted, and the last feasible
 * grid ratio is refined by bisection against the next one. dF/dT is scanned on a log grid of
 * {@value #POINTS_PER_DECADE} points per decade (a 3.7 % token span); a positive excursion narrower
 * than that could be missed, which none of the families' smooth curves has.
 */
public final class TrueCmr {

  /** T0 is searched up to this multiple of the budget, as in the method ({@link Feasibility}). */
  public static final double HORIZON_FACTOR = Feasibility.HORIZON_FACTOR;

  /** Density of the scans of dF/dT in T. */
  public static final int POINTS_PER_DECADE = 64;

  /** Ratios 1/G, 2/G, …, 1 on which feasibility is evaluated before the boundary is refined. */
  public static final int RATIO_GRID = 400;

  /** Lowest T of the T0 scan (token units), below any evaluation. */
  public static final double MIN_T = 1e-6;

  private static final double STEP = Math.pow(10.0, 1.0 / POINTS_PER_DECADE);

  private TrueCmr() {}

  /**
   * The truth of an experiment.
   *
   * @param cmr the largest feasible R in (0, 1]; 0 when no grid ratio is feasible
   * @param monotone whether the feasible grid ratios are exactly those up to the CMR (feasibility
   *     monotone in R, as far as the grid can tell)
   * @param changes how often feasibility changes along the ratio grid (1 when monotone with a CMR
   *     inside (0, 1))
   */
  public record Truth(double cmr, boolean monotone, int changes) {}

  /** dF/dT = dDom'(T) + λ·dGen'(T). */
  public static double objectiveSlope(TrueCurves c, double lambda, double t) {
    return c.domainSlope(t) + lambda * c.generalSlope(t);
  }

  /** dGen(T_max) ≤ ε. */
  public static boolean tolerable(TrueCurves c, double budget, double epsilon) {
    return c.general(budget) <= epsilon;
  }

  /**
   * T0 ≤ T_max: dF/dT ≤ 0 at the budget and at every scan point above it up to the horizon. (If
   * dF/dT &gt; 0 at T_max, it stays positive just after it, so T0 &gt; T_max.)
   */
  public static boolean turnedOver(TrueCurves c, double lambda, double budget) {
    double horizon = HORIZON_FACTOR * budget;
    for (double t = budget; t < horizon; t *= STEP) {
      if (objectiveSlope(c, lambda, t) > 0) {
        return false;
      }
    }
    return objectiveSlope(c, lambda, horizon) <= 0;
  }

  /** Tolerable and T0 ≤ T_max. */
  public static boolean feasible(TrueCurves c, double budget, double epsilon, double lambda) {
    return tolerable(c, budget, epsilon) && turnedOver(c, lambda, budget);
  }

  /**
   * T0 in token units: scanning down from the horizon, the first T with dF/dT &gt; 0 brackets the
   * last crossing with the scan point above it, refined by bisection in ln T to a relative 1e-13.
   */
  public static double t0(TrueCurves c, double lambda, double budget) {
    double horizon = HORIZON_FACTOR * budget;
    if (objectiveSlope(c, lambda, horizon) > 0) {
      return Double.POSITIVE_INFINITY;
    }
    double upper = horizon;
    for (double t = horizon / STEP; t >= MIN_T; t /= STEP) {
      if (objectiveSlope(c, lambda, t) > 0) {
        double lo = t;
        double hi = upper;
        while (hi - lo > 1e-13 * hi) {
          double mid = Math.sqrt(lo * hi);
          if (mid <= lo || mid >= hi) {
            break;
          }
          if (objectiveSlope(c, lambda, mid) > 0) {
            lo = mid;
          } else {
            hi = mid;
          }
        }
        return hi;
      }
      upper = t;
    }
    return 0.0;
  }

  /**
   * The true CMR at the budget of the curves across R: feasibility on the ratio grid, then
   * bisection between the last feasible grid ratio and the next (infeasible) one.
   */
  public static Truth cmr(
      DoubleFunction<TrueCurves> curves, double budget, double epsilon, double lambda) {
    boolean[] feasible = new boolean[RATIO_GRID + 1];
    int last = 0;
    int changes = 0;
    for (int i = 1; i <= RATIO_GRID; i++) {
      feasible[i] = feasible(curves.apply(ratio(i)), budget, epsilon, lambda);
      if (feasible[i]) {
        last = i;
      }
      if (i > 1 && feasible[i] != feasible[i - 1]) {
        changes++;
      }
    }
    // Monotone: a feasible prefix 1..last, infeasible above (or all one way).
    boolean monotone = changes == 0 || (changes == 1 && feasible[1]);
    if (last == 0) {
      return new Truth(0.0, monotone, changes);
    }
    if (last == RATIO_GRID) {
      return new Truth(1.0, monotone, changes);
    }
    double lo = ratio(last);
    double hi = ratio(last + 1);
    for (int k = 0; k < 60 && hi - lo > 1e-15; k++) {
      double mid = 0.5 * (lo + hi);
      if (feasible(curves.apply(mid), budget, epsilon, lambda)) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return new Truth(lo, monotone, changes);
  }

  private static double ratio(int i) {
    return i / (double) RATIO_GRID;
  }
}
