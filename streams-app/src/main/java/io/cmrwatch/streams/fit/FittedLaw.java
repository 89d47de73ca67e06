package io.cmrwatch.streams.fit;

import io.cmrwatch.core.law.Law;
import io.cmrwatch.core.law.LawForm;
import java.util.Map;

/** Evaluates a law core reports by parameter name (a {@code RunEstimate}'s fitted laws). */
public final class FittedLaw {

  private FittedLaw() {}

  /**
   * The value at {@code x} (token units) of {@code form} with the named parameters ({@link
   * Law#fromNamed}); NaN when the laws are missing or one parameter is.
   */
  public static double value(LawForm form, Map<String, Double> named, double x) {
    Law law = Law.fromNamed(form, named);
    return law == null ? Double.NaN : law.value(x);
  }
}
