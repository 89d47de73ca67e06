package io.cmrwatch.core.cmr;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.summary.RunSummary;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/** Test helper: events to run summaries. */
final class Experiments {
  private Experiments() {}

  static Collection<RunSummary> summaries(Iterable<LossEvent> events) {
    Map<String, RunSummary> m = new TreeMap<>();
    for (LossEvent e : events) {
      m.computeIfAbsent(e.run(), r -> new RunSummary(e.experiment(), r)).absorb(e);
    }
    return m.values();
  }
}
