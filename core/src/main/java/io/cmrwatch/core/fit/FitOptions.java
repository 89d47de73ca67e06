package io.cmrwatch.core.fit;

import java.util.Arrays;

/**
 * Settings of {@link RobustFitter}. Start from {@link #defaults()} and change what you need with
 * the {@code with...} methods.
 *
 * @param huberDelta the Huber threshold δ in y units; NaN to estimate it from the data (1.345 × a
 *     robust noise scale, see {@link Huber#autoDelta})
 * @param maxEvaluations model evaluations allowed per optimiser run (each start of a cold fit has
 *     its own budget)
 * @param costRelativeTolerance Levenberg–Marquardt: stop when the relative loss reduction falls
 *     below this
 * @param parameterRelativeTolerance Levenberg–Marquardt: stop when the relative step falls below
 *     this
 * @param orthoTolerance Levenberg–Marquardt: stop when the residuals are this orthogonal to the
 *     Jacobian columns
 * @param lower lower parameter bounds replacing the form's physical bounds, or null to keep them
 * @param upper upper parameter bounds replacing the form's physical bounds, or null to keep them
 * @param engine which Levenberg–Marquardt implementation runs (same loss, bounds and stopping
 *     tests)
 */
public record FitOptions(
    double huberDelta,
    int maxEvaluations,
    double costRelativeTolerance,
    double parameterRelativeTolerance,
    double orthoTolerance,
    double[] lower,
    double[] upper,
    Engine engine) {

  /**
   * The optimiser implementations; both minimise the same summed Huber loss inside the same boxes.
   */
  public enum Engine {
    /**
     * This package's allocation-light Levenberg–Marquardt for k ≤ 5 parameters (the default; see
     * docs/fitting.md).
     */
    BUILT_IN,
    /**
     * Hipparchus' {@code LevenbergMarquardtOptimizer} with a projecting {@code ParameterValidator}.
     */
    HIPPARCHUS
  }

  public FitOptions {
    if (!(Double.isNaN(huberDelta) || (huberDelta > 0 && Double.isFinite(huberDelta)))) {
      throw new IllegalArgumentException(
          "huberDelta must be > 0 and finite, or NaN for automatic; got " + huberDelta);
    }
    if (maxEvaluations < 10) {
      throw new IllegalArgumentException(
          "maxEvaluations must be at least 10; got " + maxEvaluations);
    }
    for (double t :
        new double[] {costRelativeTolerance, parameterRelativeTolerance, orthoTolerance}) {
      if (!(t > 0 && t < 1)) {
        throw new IllegalArgumentException("tolerances must lie in (0, 1); got " + t);
      }
    }
    if (engine == null) {
      throw new IllegalArgumentException("engine must not be null");
    }
    if ((lower == null) != (upper == null)) {
      throw new IllegalArgumentException("give both lower and upper bounds, or neither");
    }
    if (lower != null) {
      if (lower.length != upper.length) {
        throw new IllegalArgumentException(
            "lower and upper bounds differ in length: " + lower.length + " vs " + upper.length);
      }
      for (int i = 0; i < lower.length; i++) {
        if (Double.isNaN(lower[i]) || Double.isNaN(upper[i]) || lower[i] > upper[i]) {
          throw new IllegalArgumentException(
              "bounds must satisfy lower <= upper: "
                  + Arrays.toString(lower)
                  + " / "
                  + Arrays.toString(upper));
        }
      }
      lower = lower.clone();
      upper = upper.clone();
    }
  }

  /** Automatic δ, 2000 evaluations per run, tolerances 1e-12, the form's physical bounds. */
  public static FitOptions defaults() {
    return new FitOptions(Double.NaN, 2000, 1e-12, 1e-12, 1e-12, null, null, Engine.BUILT_IN);
  }

  /** The same options with a fixed Huber threshold (NaN for automatic). */
  public FitOptions withHuberDelta(double delta) {
    return new FitOptions(
        delta,
        maxEvaluations,
        costRelativeTolerance,
        parameterRelativeTolerance,
        orthoTolerance,
        lower,
        upper,
        engine);
  }

  /** The same options with another evaluation budget per optimiser run. */
  public FitOptions withMaxEvaluations(int max) {
    return new FitOptions(
        huberDelta,
        max,
        costRelativeTolerance,
        parameterRelativeTolerance,
        orthoTolerance,
        lower,
        upper,
        engine);
  }

  /** The same options with all three Levenberg–Marquardt tolerances set to {@code tolerance}. */
  public FitOptions withTolerance(double tolerance) {
    return new FitOptions(
        huberDelta, maxEvaluations, tolerance, tolerance, tolerance, lower, upper, engine);
  }

  /**
   * The same options with explicit parameter bounds (in the form's parameter order) instead of the
   * form's physical bounds. With explicit bounds a general-law fit is the two-term law inside that
   * box (exponents kept at least 0.05 apart, s3 ≥ s2 + 0.05), without model selection.
   */
  public FitOptions withBounds(double[] lower, double[] upper) {
    return new FitOptions(
        huberDelta,
        maxEvaluations,
        costRelativeTolerance,
        parameterRelativeTolerance,
        orthoTolerance,
        lower,
        upper,
        engine);
  }

  /** The same options with another optimiser implementation. */
  public FitOptions withEngine(Engine e) {
    return new FitOptions(
        huberDelta,
        maxEvaluations,
        costRelativeTolerance,
        parameterRelativeTolerance,
        orthoTolerance,
        lower,
        upper,
        e);
  }

  /** Copy of the lower bounds override, or null. */
  @Override
  public double[] lower() {
    return lower == null ? null : lower.clone();
  }

  /** Copy of the upper bounds override, or null. */
  @Override
  public double[] upper() {
    return upper == null ? null : upper.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FitOptions f
        && Double.compare(f.huberDelta, huberDelta) == 0
        && f.maxEvaluations == maxEvaluations
        && f.costRelativeTolerance == costRelativeTolerance
        && f.parameterRelativeTolerance == parameterRelativeTolerance
        && f.orthoTolerance == orthoTolerance
        && Arrays.equals(f.lower, lower)
        && Arrays.equals(f.upper, upper)
        && f.engine == engine;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(new double[] {huberDelta, maxEvaluations, costRelativeTolerance}) * 31
        + Arrays.hashCode(lower) * 17
        + Arrays.hashCode(upper)
        + engine.hashCode();
  }

  @Override
  public String toString() {
    return "FitOptions[huberDelta="
        + huberDelta
        + ", maxEvaluations="
        + maxEvaluations
        + ", tolerances="
        + costRelativeTolerance
        + "/"
        + parameterRelativeTolerance
        + "/"
        + orthoTolerance
        + ", lower="
        + Arrays.toString(lower)
        + ", upper="
        + Arrays.toString(upper)
        + ", engine="
        + engine
        + "]";
  }
}
