package io.cmrwatch.streams.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cmrwatch.core.cmr.CmrSettings;
import java.io.IOException;
import java.util.Objects;

/**
 * The settings of one experiment that the method needs: budget T_max (tokens, 0 = unknown),
 * tolerance ε, weight λ and the token unit of the fits. Resolved per experiment, highest first: the
 * experiment's record in the compacted {@code cpt.experiments} topic (an operator's explicit
 * choice), then the values carried by its latest loss event, then the app-wide defaults ({@code
 * cmrwatch.defaults.*}).
 *
 * <p>A {@code cpt.experiments} record is JSON with every field optional: {@code
 * {"schema":1,"budgetTokens":20000000000,"epsilon":0.05,"lambda":1000,"tokenUnit":2e8}}.
 *
 * @param budgetTokens token budget, 0 when unknown
 * @param epsilon tolerance ε on the general-loss increase
 * @param lambda weight λ
 * @param tokenUnit tokens per fit unit
 */
public record ExperimentSettings(
    long budgetTokens, double epsilon, double lambda, double tokenUnit) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The app-wide defaults. */
  public static ExperimentSettings defaults(AppConfig cfg) {
    return new ExperimentSettings(
        cfg.defaultBudgetTokens(),
        cfg.defaultEpsilon(),
        cfg.defaultLambda(),
        cfg.defaultTokenUnit());
  }

  /** These settings with the non-null arguments laid over them. */
  public ExperimentSettings override(Long budget, Double eps, Double lam, Double unit) {
    return new ExperimentSettings(
        budget != null && budget > 0 ? budget : budgetTokens,
        eps != null ? eps : epsilon,
        lam != null ? lam : lambda,
        unit != null ? unit : tokenUnit);
  }

  /** Whether a budget is known. */
  public boolean hasBudget() {
    return budgetTokens > 0;
  }

  /** Core's settings for an analysis under these settings. */
  public CmrSettings cmrSettings() {
    return CmrSettings.defaults()
        .withOverrides(epsilon, lambda, tokenUnit, hasBudget() ? budgetTokens : null);
  }

  /** These settings with {@code o}'s values laid over them. */
  public ExperimentSettings override(Overrides o) {
    return override(o.budgetTokens(), o.epsilon(), o.lambda(), o.tokenUnit());
  }

  /**
   * The values of one {@code cpt.experiments} record, each null when absent.
   *
   * @param budgetTokens budget T_max in tokens
   * @param epsilon tolerance ε
   * @param lambda weight λ
   * @param tokenUnit token unit
   */
  public record Overrides(Long budgetTokens, Double epsilon, Double lambda, Double tokenUnit) {

    /**
     * Parses a {@code cpt.experiments} record; invalid JSON or a field out of range throws {@link
     * IllegalArgumentException} naming the field.
     */
    public static Overrides parse(byte[] json) {
      JsonNode n;
      try {
        n = JSON.readTree(json);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "experiment settings are not valid JSON: " + e.getMessage(), e);
      }
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException("experiment settings must be a JSON object");
      }
      JsonNode schema = n.get("schema");
      if (schema != null && !(schema.isInt() && schema.intValue() == 1)) {
        throw new IllegalArgumentException("experiment settings schema must be 1, got " + schema);
      }
      Double budget = number(n, "budgetTokens", 1, 9.0e18);
      return new Overrides(
          budget == null ? null : budget.longValue(),
          number(n, "epsilon", Double.MIN_VALUE, 1.0e9),
          number(n, "lambda", Double.MIN_VALUE, 1.0e12),
          number(n, "tokenUnit", 1, 1.0e15));
    }
  }

  private static Double number(JsonNode n, String field, double min, double max) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isNumber() || !(v.doubleValue() >= min && v.doubleValue() <= max)) {
      throw new IllegalArgumentException(
          field + " must be a number in [" + min + ", " + max + "], got " + v);
    }
    return v.doubleValue();
  }

  @Override
  public String toString() {
    return "budget="
        + budgetTokens
        + " epsilon="
        + epsilon
        + " lambda="
        + lambda
        + " tokenUnit="
        + tokenUnit;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExperimentSettings s
        && s.budgetTokens == budgetTokens
        && Double.compare(s.epsilon, epsilon) == 0
        && Double.compare(s.lambda, lambda) == 0
        && Double.compare(s.tokenUnit, tokenUnit) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(budgetTokens, epsilon, lambda, tokenUnit);
  }
}
