package io.cmrwatch.streams.http;

/**
 * What the HTTP API asks of the running topology. {@code localOnly} answers from this instance's
 * stores without asking others (used when one instance forwards to another, so that a request is
 * forwarded at most once).
 */
public interface StateQueries {

  /** {@code GET /experiments}: every experiment, across all instances. */
  Reply experiments(boolean localOnly);

  /** {@code GET /experiments/{id}}. */
  Reply experiment(String id, boolean localOnly);

  /**
   * {@code GET /runs/{id}[?experiment=E]}: a run id used in several experiments is told apart by
   * {@code experiment}; without it the most recently active one answers.
   */
  Reply run(String id, String experiment, boolean localOnly);

  /**
   * {@code GET /experiments/{id}/plan?budget=TOKENS|ratio=R}: the CMR at another budget, or the
   * budget at which a share becomes feasible, from the experiment's data as they stand.
   */
  Reply plan(String experiment, PlanQuestion question, boolean localOnly);

  /** {@code GET /health}: 200 when RUNNING, 503 otherwise. */
  Reply health();
}
