package io.cmrwatch.core.cmr;

/**
 * The smallest token budget at which a domain share becomes feasible, with its 90 % interval
 * ({@link ExperimentAnalyzer#budgetForRatio}).
 *
 * @param status {@code ok} or a {@link Reason} code ({@code no_feasible_budget} when the ratio does
 *     not become feasible within 100× the budget)
 * @param message readable detail
 * @param ratio the domain share asked about
 * @param budgetTokens the smallest feasible budget (absolute tokens); null unless status is ok
 * @param budgetLow lower end of its 90 % interval, or null
 * @param budgetHigh upper end of its 90 % interval, or null when the draws do not bound it
 */
public record RatioPlan(
    String status,
    String message,
    double ratio,
    Double budgetTokens,
    Double budgetLow,
    Double budgetHigh) {}
