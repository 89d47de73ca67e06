package io.cmrwatch.streams.topology;

import java.util.Locale;

/** Names of the topology's state stores (also the names interactive queries use). */
public final class StoreNames {

  /**
   * Per-run state, key {@code run + '\0' + experiment} (a run id may recur in several experiments;
   * the Kafka key, and so the partition, is the run id alone).
   */
  public static final String RUN_STATE = "run-state";

  /** Per-experiment state, key experiment id. */
  public static final String EXPERIMENT_STATE = "experiment-state";

  /** Latest update of each run at the experiment level, key {@code experiment + '\0' + run}. */
  public static final String EXPERIMENT_RUNS = "experiment-runs";

  /**
   * Published estimates of each experiment, oldest first, for {@code GET /experiments/{id}}: key
   * {@code experiment + '\0' + sequence number} (zero-padded, so that a prefix scan returns them in
   * order).
   */
  public static final String EXPERIMENT_HISTORY = "experiment-history";

  /** Global, in-memory: the {@code cpt.experiments} settings, key experiment id. */
  public static final String EXPERIMENT_SETTINGS = "experiment-settings";

  /**
   * Separator of the composite keys of {@link #EXPERIMENT_RUNS} and {@link #EXPERIMENT_HISTORY};
   * ids cannot contain control characters.
   */
  public static final char SEPARATOR = '\u0000';

  private StoreNames() {}

  /** The key of a run's state in {@link #RUN_STATE}. */
  public static String runKey(String run, String experiment) {
    return run + SEPARATOR + experiment;
  }

  /** The prefix of every state of run id {@code run} in {@link #RUN_STATE}. */
  public static String runPrefix(String run) {
    return run + SEPARATOR;
  }

  /** The composite key of a run at the experiment level. */
  public static String experimentRunKey(String experiment, String run) {
    return experiment + SEPARATOR + run;
  }

  /**
   * The key of history point {@code sequence} of {@code experiment} in {@link #EXPERIMENT_HISTORY}.
   */
  public static String historyKey(String experiment, long sequence) {
    return experiment
        + SEPARATOR
        + String.format(Locale.ROOT, "%019d", sequence); // ASCII digits in any locale
  }

  /** The prefix of every run key and history key of {@code experiment}. */
  public static String experimentPrefix(String experiment) {
    return experiment + SEPARATOR;
  }
}
