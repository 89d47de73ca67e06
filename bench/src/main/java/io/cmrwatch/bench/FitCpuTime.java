package io.cmrwatch.bench;

import io.cmrwatch.core.fit.FitOptions;
import io.cmrwatch.core.fit.RobustFitter;
import io.cmrwatch.core.law.LawForm;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * The same fits as {@link FitBenchmark}, timed in thread CPU time (CLOCK_THREAD_CPUTIME_ID) instead
 * of wall time: on a machine shared with other builds the wall-clock median of a multi-millisecond
 * cold fit mostly measures waiting for a core, the CPU time does not. Prints the median and p90 per
 * fit over 16 seeded problems.
 */
public final class FitCpuTime {

  private FitCpuTime() {}

  public static void main(String[] args) {
    int points = args.length > 0 ? Integer.parseInt(args[0]) : 256;
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    FitOptions options = FitOptions.defaults();
    for (String previous : new String[] {"n-1", "85%"}) {
      FitProblems[] ps = new FitProblems[16];
      for (int i = 0; i < ps.length; i++) {
        ps[i] =
            FitProblems.general(
                i, points, previous.equals("85%") ? (int) (0.85 * points) : points - 1);
      }
      for (String kind : new String[] {"warm refit", "cold fit"}) {
        boolean warm = kind.startsWith("warm");
        int reps = warm ? 400 : 12;
        long[] t = new long[ps.length * reps];
        for (int pass = 0; pass < 2; pass++) { // the first pass warms the JIT up
          int n = 0;
          for (int r = 0; r < reps; r++) {
            for (FitProblems p : ps) {
              long t0 = mx.getCurrentThreadCpuTime();
              if (warm) {
                RobustFitter.refit(LawForm.GENERAL, p.x(), p.y(), null, p.warmStart(), options);
              } else {
                RobustFitter.fit(LawForm.GENERAL, p.x(), p.y(), null, options);
              }
              t[n++] = mx.getCurrentThreadCpuTime() - t0;
            }
          }
        }
        Arrays.sort(t);
        System.out.printf(
            Locale.ROOT,
            "general law, %d points, %-10s (previous %s): CPU time per fit median %.1f µs,"
                + " p90 %.1f µs%n",
            points,
            kind,
            previous,
            t[t.length / 2] / 1e3,
            t[(int) (t.length * 0.9)] / 1e3);
      }
    }
  }
}
