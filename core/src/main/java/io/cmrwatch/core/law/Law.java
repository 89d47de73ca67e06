package io.cmrwatch.core.law;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A law form with concrete parameter values: something that can be evaluated and differentiated.
 *
 * @param form the law form
 * @param parameters parameter values in the order of {@link LawForm#parameterNames()}
 */
public record Law(LawForm form, double[] parameters) {

  public Law {
    if (parameters.length != form.parameterCount()) {
      throw new IllegalArgumentException(
          form.id()
              + " law takes "
              + form.parameterCount()
              + " parameters "
              + form.parameterNames()
              + ", got "
              + parameters.length);
    }
    for (double v : parameters) {
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException(
            form.id() + " law parameters must be finite: " + Arrays.toString(parameters));
      }
    }
    parameters = parameters.clone();
  }

  /** Shorthand: {@code Law.of(LawForm.CMR, a4, s4, b3)}. */
  public static Law of(LawForm form, double... parameters) {
    return new Law(form, parameters);
  }

  /**
   * The law of a form from its parameters by name (as {@link #named()} writes them, e.g. a run
   * estimate's {@code generalLaw}); null when the map is null or lacks a finite value for a
   * parameter.
   */
  public static Law fromNamed(LawForm form, Map<String, Double> named) {
    if (named == null) {
      return null;
    }
    double[] p = new double[form.parameterCount()];
    for (int i = 0; i < p.length; i++) {
      Double v = named.get(form.parameterNames().get(i));
      if (v == null || !Double.isFinite(v)) {
        return null;
      }
      p[i] = v;
    }
    return new Law(form, p);
  }

  /** The law's value at x. */
  public double value(double x) {
    return form.value(x, parameters);
  }

  /** The law's derivative dy/dx at x. */
  public double derivative(double x) {
    return form.derivative(x, parameters);
  }

  /** A copy of the parameters. */
  @Override
  public double[] parameters() {
    return parameters.clone();
  }

  /** Parameter i, without copying. */
  public double parameter(int i) {
    return parameters[i];
  }

  /** Parameters by name, in order. */
  public Map<String, Double> named() {
    Map<String, Double> m = new LinkedHashMap<>();
    for (int i = 0; i < parameters.length; i++) {
      m.put(form.parameterNames().get(i), parameters[i]);
    }
    return m;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Law l && l.form == form && Arrays.equals(l.parameters, parameters);
  }

  @Override
  public int hashCode() {
    return 31 * form.hashCode() + Arrays.hashCode(parameters);
  }

  @Override
  public String toString() {
    return form.id() + named();
  }
}
