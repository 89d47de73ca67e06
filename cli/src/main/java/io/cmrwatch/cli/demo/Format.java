package io.cmrwatch.cli.demo;

import java.util.Locale;

/**
 * Number formats shared by the demo's terminal output: shares as percentages, token counts with a
 * suffix.
 */
final class Format {

  private Format() {}

  /** 0.3417 -> "34.2 %". */
  static String pct(double share) {
    return Double.isFinite(share) ? String.format(Locale.ROOT, "%.1f %%", 100 * share) : "—";
  }

  /** 1.2e9 -> "1.2B", 350000 -> "350K" (three significant digits). */
  static String tokens(double v) {
    if (!Double.isFinite(v)) {
      return "—";
    }
    double a = Math.abs(v);
    if (a >= 1e12) {
      return sig(v / 1e12) + "T";
    } else if (a >= 1e9) {
      return sig(v / 1e9) + "B";
    } else if (a >= 1e6) {
      return sig(v / 1e6) + "M";
    } else if (a >= 1e3) {
      return sig(v / 1e3) + "K";
    }
    return sig(v);
  }

  private static String sig(double v) {
    return new java.math.BigDecimal(v)
        .round(new java.math.MathContext(3))
        .stripTrailingZeros()
        .toPlainString();
  }
}
