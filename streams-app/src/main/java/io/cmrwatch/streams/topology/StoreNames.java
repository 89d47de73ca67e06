package io.cmrwatch.streams.topology;

/**
 * Names of the topology's state stores (also the names interactive queries use) and their keys.
 * Every store is keyed within an experiment's partition: the experiment id, or a key that starts
 * with it.
 */
public final class StoreNames {

  /** Each run's state ({@code RunState}), key {@link #runKey}: experiment, then run. */
  public static final String RUNS = "runs";

  /** Each experiment's state ({@code ExperimentState}), key experiment id. */
  public static final String EXPERIMENTS = "experiments";

  /**
   * Published estimates of each experiment, oldest first, for {@code GET /experiments/{id}}: key
   * {@link #historyKey} (experiment, then a zero-padded sequence number, so that a prefix scan
   * returns them in order).
   */
  public static final String HISTORY = "estimate-history";

  /**
   * The experiments each run id occurs in, key {@link #runIndexKey} (run, then experiment): {@code
   * GET /runs/{id}} without an experiment finds the run here.
   */
  public static final String RUN_INDEX = "run-index";

  /** Global, in-memory: the {@code cpt.experiments} settings, key experiment id. */
  public static final String EXPERIMENT_SETTINGS = "experiment-settings";

  /**
   * A store of the first streams topology (one step per run, one per experiment): its changelog
   * under an application id says that id holds that topology's state.
   */
  public static final String FIRST_TOPOLOGY_STORE = "experiment-runs";

  /** Separator of composite keys; ids cannot contain control characters. */
  public static final char SEPARATOR = '\u0000';

  private StoreNames() {}

  /** The key of a run's state in {@link #RUNS}. */
  public static String runKey(String experiment, String run) {
    return experiment + SEPARATOR + run;
  }

  /** The key of a run in {@link #RUN_INDEX}. */
  public static String runIndexKey(String run, String experiment) {
    return run + SEPARATOR + experiment;
  }

  /** The key of history point {@code sequence} of {@code experiment} in {@link #HISTORY}. */
  public static String historyKey(String experiment, long sequence) {
    String digits = Long.toString(sequence); // ASCII digits in any locale
    return experiment + SEPARATOR + "0".repeat(19 - digits.length()) + digits;
  }

  /** The prefix of every composite key that starts with {@code id}. */
  public static String prefix(String id) {
    return id + SEPARATOR;
  }
}
