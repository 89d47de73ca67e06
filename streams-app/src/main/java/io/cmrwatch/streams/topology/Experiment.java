package io.cmrwatch.streams.topology;

import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.streams.state.ExperimentState;
import io.cmrwatch.streams.state.RunState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One experiment as its task holds it between events: its stored state, its runs' states by run id,
 * and its latest analysis. Kept in the task's decoded cache; rebuilt from the stores when evicted.
 */
final class Experiment {

  final ExperimentState state;
  final Map<String, RunState> runs = new TreeMap<>();

  /** The latest analysis, or null until the first since the experiment was loaded. */
  ExperimentEstimate latest;

  Experiment(ExperimentState state) {
    this.state = state;
  }

  String id() {
    return state.experiment();
  }

  /** The runs' summaries, by run id. */
  List<RunSummary> summaries() {
    List<RunSummary> out = new ArrayList<>(runs.size());
    runs.values().forEach(s -> out.add(s.summary()));
    return out;
  }

  /** The summary whose event-carried settings count: the one of the run with the latest tokens. */
  RunSummary settingsCarrier() {
    RunSummary best = null;
    for (RunState s : runs.values()) {
      if (best == null || s.summary().latestTokens() > best.latestTokens()) {
        best = s.summary();
      }
    }
    return best;
  }

  /**
   * About how many heap bytes it holds, for the decoded-state budget: its state, its runs, and 2 KB
   * a run for the latest analysis' objects.
   */
  long heapBytesEstimate() {
    long bytes = 256 + state.heapBytesEstimate();
    for (RunState s : runs.values()) {
      bytes += 64 + s.heapBytesEstimate() + (latest == null ? 0 : 2048);
    }
    return bytes;
  }
}
