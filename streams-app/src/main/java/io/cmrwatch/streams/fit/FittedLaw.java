package io.cmrwatch.streams.fit;

import io.cmrwatch.core.law.LawForm;
import java.util.Map;

/** Evaluates a law core reports by parameter name (a {@code RunEstimate}'s fitted laws). */
public final class FittedLaw {

  private FittedLaw() {}

  /**
   * The value at {@code x} (token units) of {@code form} with the named parameters; NaN when one is
   * missing.
   */
  public static double value(LawForm form, Map<String, Double> named, double x) {
    double[] p = new double[form.parameterCount()];
    for (int i = 0; i < p.length; i++) {
      Double v = named.get(form.parameterNames().get(i));
      if (v == null) {
        return Double.NaN;
      }
      p[i] = v;
    }
    return form.value(x, p);
  }
}
