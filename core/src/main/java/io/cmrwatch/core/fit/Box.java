package io.cmrwatch.core.fit;

import io.cmrwatch.core.law.LawForm;
import java.util.ArrayList;
import java.util.List;

/**
 * A box of parameter bounds for a sum of power terms {@code [a_1, s_1, (a_2, s_2,) b]}, optionally
 * with the exponents of a two-term law kept in order (s_2 ≥ s_1 + gap). Each law form's physical
 * parameter space is a union of such boxes (for instance a falling domain law is a1 &lt; 0 with s1
 * in (0, 1], or a1 &gt; 0 with s1 &lt; 0); the cold fit searches every box and keeps the best.
 */
record Box(String name, int terms, double[] lower, double[] upper, boolean ordered) {

  /** |s| is kept at least this far from 0, where a·x^s is collinear with the constant b. */
  static final double S_MIN = 0.01;

  /**
   * Minimum distance between the two exponents of a two-term law (equal exponents are collinear).
   */
  static final double GAP = 0.05;

  /**
   * Largest |exponent| considered: x spans a few decades, and x^±3 already spans 10^±9 over three
   * decades.
   */
  static final double S_MAX = 3.0;

  int parameterCount() {
    return 2 * terms + 1;
  }

  /** Projects p onto the box (in place) and returns it. */
  double[] project(double[] p) {
    for (int i = 0; i < p.length; i++) {
      p[i] = Math.max(lower[i], Math.min(upper[i], p[i]));
    }
    if (ordered && p[3] < p[1] + GAP) {
      double mid = 0.5 * (p[1] + p[3]);
      p[1] = Math.max(lower[1], Math.min(upper[1], mid - 0.5 * GAP));
      p[3] = Math.max(lower[3], Math.min(upper[3], p[1] + GAP));
      if (p[3] < p[1] + GAP) {
        p[1] = Math.max(lower[1], p[3] - GAP);
      }
    }
    return p;
  }

  /** Squared distance from p to the box (0 inside), ignoring the ordering constraint. */
  double distance2(double[] p) {
    double d = 0;
    for (int i = 0; i < p.length; i++) {
      double e = p[i] < lower[i] ? lower[i] - p[i] : p[i] > upper[i] ? p[i] - upper[i] : 0;
      d += e * e;
    }
    return d;
  }

  /**
   * The physical boxes of {@code form}, or the one box of the options' bounds when they give some.
   * Coefficients are bounded by {@code coef} (a multiple of the data's y scale).
   */
  static List<Box> of(LawForm form, double coef, FitOptions o) {
    if (o.lower() != null) {
      // The two exponents of the general law stay at least GAP apart whatever the box: equal
      // exponents make the two terms collinear, and the fit then wanders off to huge cancelling
      // coefficients.
      return List.of(
          new Box("override", form.terms(), o.lower(), o.upper(), form == LawForm.GENERAL));
    }
    switch (form) {
      case DOMAIN:
        // Domain loss falls as domain tokens accumulate: a1 < 0 with 0 < s1 ≤ 1, or a1 > 0 with
        // s1 < 0.
        return oneTerm("falling", coef, 1.0);
      case RATIO:
        // A loss at fixed T can fall (domain) or rise (general) with the ratio.
        return oneTerm("any", coef, S_MAX);
      case CMR:
        // A larger budget never shrinks the feasible set, so the CMR law rises: a4·s4 > 0.
        return oneTerm("rising", coef, S_MAX);
      case GENERAL:
      default:
        return new ArrayList<>(bump(coef));
    }
  }

  /** The boxes of the general law as one monotone term (either way), the bump's alternative. */
  static List<Box> monotone(double coef) {
    return oneTerm("any", coef, 2.0);
  }

  /**
   * The physical boxes of a one-term law {@code a·x^s + b}: {@code falling} keeps a·s ≤ 0, {@code
   * rising} keeps a·s ≥ 0, {@code any} allows both. Coefficients are bounded by {@code coef} (a
   * multiple of the data's y scale).
   */
  static List<Box> oneTerm(String shape, double coef, double sPositiveMax) {
    List<Box> boxes = new ArrayList<>();
    boolean falling = shape.equals("falling") || shape.equals("any");
    boolean rising = shape.equals("rising") || shape.equals("any");
    if (falling) {
      boxes.add(box("a<0,0<s<=" + sPositiveMax, 1, -coef, 0, S_MIN, sPositiveMax, coef));
      boxes.add(box("a>0,s<0", 1, 0, coef, -S_MAX, -S_MIN, coef));
    }
    if (rising) {
      boxes.add(box("a>0,s>0", 1, 0, coef, S_MIN, S_MAX, coef));
      boxes.add(box("a<0,s<0", 1, -coef, 0, -S_MAX, -S_MIN, coef));
    }
    return boxes;
  }

  /**
   * The boxes of a rise-then-fall two-term law a2·x^s2 + a3·x^s3 + b with s2 &lt; s3: the
   * small-exponent term dominates dy/dx at small x and must rise (a2·s2 &gt; 0), the large-exponent
   * term dominates at large x and must fall (a3·s3 &lt; 0). By the signs of the exponents that
   * gives three boxes.
   */
  static List<Box> bump(double coef) {
    List<Box> boxes = new ArrayList<>();
    // 0 < s2 < s3: a concave rise overtaken by a fall (passes through b at x = 0).
    boxes.add(
        new Box(
            "a2>0,a3<0,0<s2<s3",
            2,
            new double[] {0, S_MIN, -coef, S_MIN + GAP, -coef},
            new double[] {coef, 1.0, 0, 2.0, coef},
            true));
    // s2 < 0 < s3: a rise towards b, overtaken by a fall.
    boxes.add(
        new Box(
            "a2<0,a3<0,s2<0<s3",
            2,
            new double[] {-coef, -S_MAX, -coef, S_MIN, -coef},
            new double[] {0, -S_MIN, 0, 2.0, coef},
            false));
    // s2 < s3 < 0: a fast rise from below, then a slow decay back to b.
    boxes.add(
        new Box(
            "a2<0,a3>0,s2<s3<0",
            2,
            new double[] {-coef, -S_MAX, 0, -S_MAX + GAP, -coef},
            new double[] {0, -S_MIN - GAP, coef, -S_MIN, coef},
            true));
    return boxes;
  }

  private static Box box(
      String name, int terms, double aLo, double aHi, double sLo, double sHi, double coef) {
    return new Box(
        name, terms, new double[] {aLo, sLo, -coef}, new double[] {aHi, sHi, coef}, false);
  }
}
