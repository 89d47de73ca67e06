package io.cmrwatch.streams.http;

import java.util.Locale;

/**
 * One planning question of {@code GET /experiments/{id}/plan}: either the CMR at another token
 * budget ({@code ?budget=TOKENS}) or the smallest budget at which a domain share becomes feasible
 * ({@code ?ratio=R}). Exactly one of the two is set.
 *
 * @param budgetTokens the budget asked about (absolute tokens), or null
 * @param ratio the domain share asked about, in (0, 1], or null
 */
public record PlanQuestion(Long budgetTokens, Double ratio) {

  public PlanQuestion {
    if ((budgetTokens == null) == (ratio == null)) {
      throw new IllegalArgumentException(
          "ask either budget=TOKENS or ratio=R, not both or neither");
    }
    if (budgetTokens != null && budgetTokens <= 0) {
      throw new IllegalArgumentException("budget must be a positive number of tokens");
    }
    if (ratio != null && !(ratio > 0 && ratio <= 1)) {
      throw new IllegalArgumentException("ratio must be a domain share in (0, 1]");
    }
  }

  /**
   * The question of a request's {@code budget} and {@code ratio} parameters (each null when
   * absent); a value that is not a number, or out of range, fails with {@link
   * IllegalArgumentException} and a message fit for the client.
   */
  public static PlanQuestion parse(String budget, String ratio) {
    Long tokens = null;
    if (budget != null) {
      double b = number("budget", budget);
      if (!(b >= 1 && b < 9.2e18)) {
        throw new IllegalArgumentException("budget must be a positive number of tokens");
      }
      tokens = Math.round(b);
    }
    return new PlanQuestion(tokens, ratio == null ? null : number("ratio", ratio));
  }

  private static double number(String name, String text) {
    try {
      double v = Double.parseDouble(text.strip());
      if (Double.isFinite(v)) {
        return v;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    String shown = text.length() > 40 ? text.substring(0, 40) + "…" : text;
    throw new IllegalArgumentException(name + " is not a number: " + shown);
  }

  /** The question as a query string, for forwarding it to another instance. */
  public String query() {
    return budgetTokens != null
        ? "budget=" + budgetTokens
        : String.format(Locale.ROOT, "ratio=%s", Double.toString(ratio));
  }
}
