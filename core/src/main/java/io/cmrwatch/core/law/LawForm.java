package io.cmrwatch.core.law;

import java.util.List;

/**
 * The four law forms of the CMR scaling law (Gu et al. 2024; docs/method.md, "Notation"). Each is a
 * sum of power terms plus a constant, evaluated at x &gt; 0 (tokens in the configured token unit,
 * or a ratio in (0, 1]).
 *
 * <ul>
 *   <li>{@link #DOMAIN}: dDom(T) = a1·T^s1 + b1
 *   <li>{@link #GENERAL}: dGen(T) = a2·T^s2 + a3·T^s3 + b2
 *   <li>{@link #RATIO}: L(R) = α·R^s + β (across runs at a fixed T)
 *   <li>{@link #CMR}: R_CMR(T) = a4·T^s4 + b3 (across budgets)
 * </ul>
 *
 * <p>Parameters are passed as a {@code double[]} in the order of {@link #parameterNames()}: for a
 * one-term law {@code [a, s, b]}, for {@link #GENERAL} {@code [a2, s2, a3, s3, b2]}.
 */
public enum LawForm {
  DOMAIN("domain", List.of("a1", "s1", "b1")),
  GENERAL("general", List.of("a2", "s2", "a3", "s3", "b2")),
  RATIO("ratio", List.of("alpha", "s", "beta")),
  CMR("cmr", List.of("a4", "s4", "b3"));

  private final String id;
  private final List<String> parameterNames;

  LawForm(String id, List<String> parameterNames) {
    this.id = id;
    this.parameterNames = parameterNames;
  }

  /**
   * Lower-case name used on the command line and in JSON ({@code domain}, {@code general}, ...).
   */
  public String id() {
    return id;
  }

  /** Parameter names in array order. */
  public List<String> parameterNames() {
    return parameterNames;
  }

  /** Number of parameters. */
  public int parameterCount() {
    return parameterNames.size();
  }

  /** Number of power terms (1, or 2 for {@link #GENERAL}). */
  public int terms() {
    return (parameterNames.size() - 1) / 2;
  }

  /** The form whose {@link #id()} is {@code id} (case-insensitive). */
  public static LawForm byId(String id) {
    for (LawForm f : values()) {
      if (f.id.equalsIgnoreCase(id)) {
        return f;
      }
    }
    throw new IllegalArgumentException(
        "unknown law form \"" + id + "\": use domain, general, ratio or cmr");
  }

  /** y(x) = Σ a_i·x^s_i + b. */
  public double value(double x, double[] p) {
    double y = p[p.length - 1];
    for (int i = 0; i < 2 * terms(); i += 2) {
      y += p[i] * Math.pow(x, p[i + 1]);
    }
    return y;
  }

  /** dy/dx = Σ a_i·s_i·x^(s_i − 1). */
  public double derivative(double x, double[] p) {
    double d = 0;
    for (int i = 0; i < 2 * terms(); i += 2) {
      d += p[i] * p[i + 1] * Math.pow(x, p[i + 1] - 1);
    }
    return d;
  }

  /**
   * Gradient of y with respect to the parameters at x, written into {@code out}: ∂y/∂a_i = x^s_i,
   * ∂y/∂s_i = a_i·x^s_i·ln x, ∂y/∂b = 1.
   */
  public void parameterGradient(double x, double[] p, double[] out) {
    double lnx = Math.log(x);
    for (int i = 0; i < 2 * terms(); i += 2) {
      double xs = Math.pow(x, p[i + 1]);
      out[i] = xs;
      out[i + 1] = p[i] * xs * lnx;
    }
    out[p.length - 1] = 1.0;
  }
}
