package io.cmrwatch.bench;

import io.cmrwatch.core.fit.FitOptions;
import io.cmrwatch.core.fit.FitResult;
import io.cmrwatch.core.fit.RobustFitter;
import io.cmrwatch.core.law.LawForm;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Speed of one run's general-law fit over {@code points} summary points: a warm refit from the
 * previous solution (target: median ≤ 100 µs at 256 points) and a cold multi-start fit (target: ≤
 * 20 ms), with both engines. Sample-time mode, so JMH prints the median (p0.50). Each invocation
 * cycles through 16 seeded problems.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FitBenchmark {

  @Param({"256"})
  public int points;

  /**
   * Points the warm start was fitted to: "n-1" (live: the fit before the latest evaluation) or
   * "85%".
   */
  @Param({"n-1", "85%"})
  public String previous;

  private FitProblems[] problems;
  private int next;

  @Param({"BUILT_IN", "HIPPARCHUS"})
  public FitOptions.Engine engine;

  private FitOptions options;

  @Setup(Level.Trial)
  public void setUp() {
    options = FitOptions.defaults().withEngine(engine);
    problems = new FitProblems[16];
    for (int i = 0; i < problems.length; i++) {
      int before = previous.equals("85%") ? (int) (0.85 * points) : points - 1;
      problems[i] = FitProblems.general(i, points, before);
    }
  }

  private FitProblems nextProblem() {
    next = (next + 1) % problems.length;
    return problems[next];
  }

  @Benchmark
  public FitResult warmRefitGeneral() {
    FitProblems p = nextProblem();
    return RobustFitter.refit(LawForm.GENERAL, p.x(), p.y(), null, p.warmStart(), options);
  }

  @Benchmark
  public FitResult coldFitGeneral() {
    FitProblems p = nextProblem();
    return RobustFitter.fit(LawForm.GENERAL, p.x(), p.y(), null, options);
  }
}
