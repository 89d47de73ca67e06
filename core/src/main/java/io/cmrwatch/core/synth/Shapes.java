package io.cmrwatch.core.synth;

import io.cmrwatch.core.law.Law;

/**
 * The curve shapes the families are built from, each with its closed-form derivative. T is in token
 * units throughout.
 */
final class Shapes {

  private Shapes() {}

  /** One loss-change curve and its derivative. */
  interface Curve {
    double value(double t);

    double slope(double t);
  }

  /** A general curve and a domain curve as {@link TrueCurves}. */
  record Pair(Curve general, Curve domain) implements TrueCurves {
    @Override
    public double general(double t) {
      return general.value(t);
    }

    @Override
    public double generalSlope(double t) {
      return general.slope(t);
    }

    @Override
    public double domain(double t) {
      return domain.value(t);
    }

    @Override
    public double domainSlope(double t) {
      return domain.slope(t);
    }
  }

  /** A law of the project's forms. */
  record OfLaw(Law law) implements Curve {
    @Override
    public double value(double t) {
      return law.value(t);
    }

    @Override
    public double slope(double t) {
      return law.derivative(t);
    }
  }

  /** A curve times a constant (run-level amplitude noise). */
  record Scaled(Curve curve, double factor) implements Curve {
    @Override
    public double value(double t) {
      return factor * curve.value(t);
    }

    @Override
    public double slope(double t) {
      return factor * curve.slope(t);
    }
  }

  /**
   * The project's two-term general law written by its peak: a bump of height H at T = Tp,
   *
   * <pre>
   *   dGen(T) = H·(r·x^s2 − x^s3)/(r − 1),   x = T/Tp,  r = s3/s2  (s3 &gt; s2 &gt; 0)
   *   dGen'(T) = H·s3·(x^(s2−1) − x^(s3−1)) / ((r − 1)·Tp)
   * </pre>
   *
   * rising as T^s2, peaking at Tp, then falling as −T^s3.
   */
  record PowerBump(double peak, double height, double s2, double s3) implements Curve {
    @Override
    public double value(double t) {
      double x = t / peak;
      double r = s3 / s2;
      return height * (r * Math.pow(x, s2) - Math.pow(x, s3)) / (r - 1);
    }

    @Override
    public double slope(double t) {
      double x = t / peak;
      double r = s3 / s2;
      return height * s3 * (Math.pow(x, s2 - 1) - Math.pow(x, s3 - 1)) / ((r - 1) * peak);
    }
  }

  /**
   * A bump that recovers exponentially in T, towards a plateau b:
   *
   * <pre>
   *   dGen(T)  = H·(x·e^(1−x))^s + b·(1 − e^(−x)),   x = T/Tp
   *   dGen'(T) = (H·s·(x·e^(1−x))^s·(1/x − 1) + b·e^(−x)) / Tp
   * </pre>
   *
   * The first term rises as T^s and peaks at Tp with height H; the plateau term moves the peak a
   * little when b ≠ 0.
   */
  record ExpBump(double peak, double height, double s, double plateau) implements Curve {
    @Override
    public double value(double t) {
      double x = t / peak;
      return height * shape(x) + plateau * -Math.expm1(-x);
    }

    @Override
    public double slope(double t) {
      double x = t / peak;
      return (height * s * shape(x) * (1 / x - 1) + plateau * Math.exp(-x)) / peak;
    }

    // (x·e^(1−x))^s, through logarithms so that large x underflows to 0 cleanly.
    private double shape(double x) {
      return x <= 0 ? 0 : Math.exp(s * (Math.log(x) + 1 - x));
    }
  }

  /** A power-law drop reaching −D at the budget: dDom(T) = −D·(T/T_max)^s1. */
  record PowerDrop(double drop, double s1, double budget) implements Curve {
    @Override
    public double value(double t) {
      return -drop * Math.pow(t / budget, s1);
    }

    @Override
    public double slope(double t) {
      return -drop * s1 * Math.pow(t / budget, s1 - 1) / budget;
    }
  }

  /**
   * An exponentially saturating drop reaching −D at the budget: dDom(T) = −D·(1 − e^(−T/τ))/(1 −
   * e^(−T_max/τ)).
   */
  record ExpDrop(double drop, double tau, double budget) implements Curve {
    @Override
    public double value(double t) {
      return drop * Math.expm1(-t / tau) / -Math.expm1(-budget / tau);
    }

    @Override
    public double slope(double t) {
      return -drop * Math.exp(-t / tau) / (tau * -Math.expm1(-budget / tau));
    }
  }

  /** A logarithmic drop reaching −D at the budget: dDom(T) = −D·ln(1 + T/τ)/ln(1 + T_max/τ). */
  record LogDrop(double drop, double tau, double budget) implements Curve {
    @Override
    public double value(double t) {
      return -drop * Math.log1p(t / tau) / Math.log1p(budget / tau);
    }

    @Override
    public double slope(double t) {
      return -drop / ((tau + t) * Math.log1p(budget / tau));
    }
  }
}
