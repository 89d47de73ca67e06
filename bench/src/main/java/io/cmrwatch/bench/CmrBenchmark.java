package io.cmrwatch.bench;

import io.cmrwatch.core.cmr.ExperimentAnalyzer;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Speed of a 6-run experiment's CMR (all runs' fits, T0s, the across-ratio curves, the interval and
 * the CMR law): {@code cold} from scratch; {@code warmOneRunChanged}, the streaming case — the
 * previous estimate given and one run has a new evaluation since (that run is refitted warm, the
 * others reused); {@code warmUnchanged}, nothing new. Sample-time mode: JMH prints the median
 * (p0.50). Cycles through 8 seeded experiments.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CmrBenchmark {

  private static final int EXPERIMENTS = 8;

  private final List<String> ids = new ArrayList<>();
  private final List<List<RunSummary>> full = new ArrayList<>();
  private final List<List<RunSummary>> lessOne = new ArrayList<>();
  private final List<ExperimentEstimate> previous = new ArrayList<>();
  private ExperimentAnalyzer analyzer;
  private int next;
  private boolean flip;

  @Setup(Level.Trial)
  public void setUp() {
    analyzer = new ExperimentAnalyzer();
    for (int i = 0; i < EXPERIMENTS; i++) {
      SyntheticExperiment e = new SyntheticGenerator().generate(2000 + i);
      List<LossEvent> events = e.events();
      // The latest evaluation of the last run, withheld from the "before" state.
      LossEvent last = events.get(events.size() - 1);
      ids.add(e.experiment());
      full.add(summaries(events, null));
      lessOne.add(summaries(events, last));
      previous.add(analyzer.analyze(e.experiment(), lessOne.get(i)));
    }
  }

  private static List<RunSummary> summaries(List<LossEvent> events, LossEvent skip) {
    Map<String, RunSummary> m = new TreeMap<>();
    for (LossEvent e : events) {
      if (e != skip) {
        m.computeIfAbsent(e.run(), r -> new RunSummary(e.experiment(), r)).absorb(e);
      }
    }
    return new ArrayList<>(m.values());
  }

  @Benchmark
  public ExperimentEstimate cold() {
    next = (next + 1) % EXPERIMENTS;
    return analyzer.analyze(ids.get(next), full.get(next));
  }

  @Benchmark
  public ExperimentEstimate warmOneRunChanged() {
    next = (next + 1) % EXPERIMENTS;
    // Alternate the changed run's summary so that it is refitted every time (the other five are
    // reused).
    if (next == 0) {
      flip = !flip;
    }
    return analyzer.analyze(
        ids.get(next), flip ? full.get(next) : lessOne.get(next), previous.get(next));
  }

  @Benchmark
  public ExperimentEstimate warmUnchanged() {
    next = (next + 1) % EXPERIMENTS;
    return analyzer.analyze(ids.get(next), lessOne.get(next), previous.get(next));
  }
}
