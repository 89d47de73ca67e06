package io.cmrwatch.core.cmr;

/**
 * The CMR an experiment's data predict for another token budget, with its 90 % interval ({@link
 * ExperimentAnalyzer#cmrAtBudget}).
 *
 * @param status {@code ok} or a {@link Reason} code
 * @param message readable detail
 * @param budgetTokens the budget asked about (absolute tokens)
 * @param cmr the CMR at that budget; null unless status is ok
 * @param cmrLow lower end of its 90 % interval
 * @param cmrHigh upper end of its 90 % interval
 * @param extrapolated the budget lies beyond the runs' observed tokens
 */
public record BudgetPlan(
    String status,
    String message,
    long budgetTokens,
    Double cmr,
    Double cmrLow,
    Double cmrHigh,
    boolean extrapolated) {}
