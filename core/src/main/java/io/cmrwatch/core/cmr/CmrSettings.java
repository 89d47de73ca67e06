package io.cmrwatch.core.cmr;

import io.cmrwatch.core.fit.FitOptions;

/**
 * Settings of the CMR method. Null fields of the overrides fall back to what the runs' events
 * report, then to the defaults (ε = 0.05, λ = 1000, token unit 2e8).
 *
 * @param epsilon tolerance ε override, or null
 * @param lambda weight λ override, or null
 * @param tokenUnit token unit override, or null
 * @param budgetTokens budget T_max override (absolute tokens), or null
 * @param minPoints guard: a run is fitted only with at least this many curve points (token bins)
 * @param minSpanOctaves guard: ... and only when its points span at least this many doublings of
 *     tokens
 * @param budgetGrid number of budgets over which the CMR law is fitted (0 to skip it)
 * @param fit options of the law fits
 */
public record CmrSettings(
    Double epsilon,
    Double lambda,
    Double tokenUnit,
    Long budgetTokens,
    int minPoints,
    double minSpanOctaves,
    int budgetGrid,
    FitOptions fit) {

  /** Default tolerance ε. */
  public static final double DEFAULT_EPSILON = 0.05;

  /** Default weight λ. */
  public static final double DEFAULT_LAMBDA = 1000.0;

  /** Default token unit (the paper's 0.2 B tokens). */
  public static final double DEFAULT_TOKEN_UNIT = 2e8;

  public CmrSettings {
    if (epsilon != null && !(epsilon > 0 && Double.isFinite(epsilon))) {
      throw new IllegalArgumentException("epsilon must be finite and > 0, got " + epsilon);
    }
    if (lambda != null && !(lambda > 0 && Double.isFinite(lambda))) {
      throw new IllegalArgumentException("lambda must be finite and > 0, got " + lambda);
    }
    if (tokenUnit != null && !(tokenUnit >= 1 && Double.isFinite(tokenUnit))) {
      throw new IllegalArgumentException("token unit must be finite and >= 1, got " + tokenUnit);
    }
    if (budgetTokens != null && budgetTokens <= 0) {
      throw new IllegalArgumentException("budget must be > 0 tokens, got " + budgetTokens);
    }
    if (minPoints < 3) {
      throw new IllegalArgumentException("minPoints must be >= 3, got " + minPoints);
    }
    if (!(minSpanOctaves >= 0)) {
      throw new IllegalArgumentException("minSpanOctaves must be >= 0, got " + minSpanOctaves);
    }
    if (budgetGrid < 0 || budgetGrid == 1 || budgetGrid == 2) {
      throw new IllegalArgumentException("budgetGrid must be 0 or >= 3, got " + budgetGrid);
    }
  }

  /** No overrides; guards of 8 points over 2 octaves; the CMR law over 8 budgets. */
  public static CmrSettings defaults() {
    return new CmrSettings(null, null, null, null, 8, 2.0, 8, FitOptions.defaults());
  }

  /** The same settings with the given overrides (each may be null). */
  public CmrSettings withOverrides(
      Double epsilon, Double lambda, Double tokenUnit, Long budgetTokens) {
    return new CmrSettings(
        epsilon, lambda, tokenUnit, budgetTokens, minPoints, minSpanOctaves, budgetGrid, fit);
  }

  /** The same settings with other guards. */
  public CmrSettings withGuards(int minPoints, double minSpanOctaves) {
    return new CmrSettings(
        epsilon, lambda, tokenUnit, budgetTokens, minPoints, minSpanOctaves, budgetGrid, fit);
  }
}
