package io.cmrwatch.core.synth;

import io.cmrwatch.core.law.Law;

/**
 * The true loss changes of one domain share as functions of the CPT tokens T (token units): what a
 * synthetic run's evaluations are drawn from, and what the true CMR is computed on. The curves need
 * not be of the project's law forms.
 */
public interface TrueCurves {

  /** dGen(T) = Lgen(T) − Lgen(0) (positive = forgetting). */
  double general(double t);

  /** dGen'(T), the derivative of {@link #general} in T. */
  double generalSlope(double t);

  /** dDom(T) = Ldom(T) − Ldom(0) (negative = learning). */
  double domain(double t);

  /** dDom'(T), the derivative of {@link #domain} in T. */
  double domainSlope(double t);

  /** The curves of two laws of the project's forms (domain, general). */
  static TrueCurves of(Law domain, Law general) {
    return new Shapes.Pair(new Shapes.OfLaw(general), new Shapes.OfLaw(domain));
  }
}
