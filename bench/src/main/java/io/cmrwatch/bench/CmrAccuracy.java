package io.cmrwatch.bench;

import io.cmrwatch.core.cmr.ExperimentAnalyzer;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.core.synth.Design;
import io.cmrwatch.core.synth.Families;
import io.cmrwatch.core.synth.FamilyExperiment;
import io.cmrwatch.core.synth.LawFamily;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleBiFunction;
import java.util.stream.Collectors;

/**
 * The estimator's accuracy, honesty and steadiness on every synthetic law family
 * (docs/synthetic-families.md), against the targets of docs/estimator-accuracy.md.
 *
 * <p>For each family and each budget share observed (default 25/50/75/100 %), on N seeded
 * experiments, a cold analysis of the events seen so far: estimates returned, median and p90 |CMR −
 * true CMR|, coverage of the 90 % interval with its 95 % Wilson interval, median width, the share
 * of experiments whose interval lies within ±2 pp of its estimate, and the median Cramér–Rao
 * half-width the estimate reports ({@code cmrHalfWidthBound}), with how often an interval is
 * narrower than twice it and how often it puts the 50 % width target out of reach. Then each
 * experiment is replayed as a stream at 5 % steps of the budget from 30 % to 100 % through one
 * analyzer with warm starts (each step gets the previous estimate): total movement Σ|Δcmr| and
 * jumps (a new estimate outside the previous interval). Per-call time is the median of the cold and
 * of the warm analyses. Experiments run on a few threads at a time (two by default), each on its
 * own thread with its own analyzer.
 *
 * <p>Usage: {@code CmrAccuracy [N] [--n N] [--first-seed S] [--families a,b,…] [--fractions
 * 0.25,0.5,…] [--threads T] [--timeout SECONDS]}; defaults N = 100, seeds 1000…, every family,
 * 25/50/75/100 %, two threads (or one on a one-core machine), 120 s per experiment (an experiment
 * still analysing then is reported as not finished). Prints Markdown.
 */
public final class CmrAccuracy {

  /** Stream replay: budget shares 30 %, 35 %, …, 100 %. */
  static final int STREAM_FROM_PERCENT = 30;

  static final int STREAM_STEP_PERCENT = 5;

  /** Untimed experiments per thread before the measured ones. */
  static final int WARM_UP_PER_THREAD = 5;

  private static final double Z95 = 1.959963984540054;

  private CmrAccuracy() {}

  /** What the harness runs. */
  record Options(
      int n,
      long firstSeed,
      List<LawFamily> families,
      double[] fractions,
      int threads,
      int timeoutSeconds) {}

  /** One analysis: the estimate's numbers (NaN when there is none) and its time. */
  record Point(boolean ok, double cmr, double low, double high, Double bound, double millis) {

    /** No analysis (the experiment did not finish). */
    static final Point NONE =
        new Point(false, Double.NaN, Double.NaN, Double.NaN, null, Double.NaN);

    static Point of(ExperimentEstimate e, double millis) {
      if (!e.ok() || e.cmr() == null || e.cmrLow() == null || e.cmrHigh() == null) {
        return new Point(false, Double.NaN, Double.NaN, Double.NaN, null, millis);
      }
      return new Point(
          true, e.cmr(), e.cmrLow(), e.cmrHigh(), finite(e.cmrHalfWidthBound()), millis);
    }

    boolean covers(double truth) {
      return ok && low <= truth && truth <= high;
    }

    boolean within2pp() {
      return ok && high - cmr <= 0.02 && cmr - low <= 0.02;
    }
  }

  /**
   * One experiment's analyses: cold ones at each observed share, and the replayed stream (with the
   * experiment's truth and design, not its events, so that hundreds of outcomes stay small).
   */
  record Outcome(
      long seed,
      double trueCmr,
      Design design,
      boolean feasibilityMonotone,
      List<Point> cold,
      List<Point> stream,
      String failure) {

    /** An experiment whose analysis did not finish in time or threw: no estimate anywhere. */
    static Outcome failed(Task t, double[] fractions, String why) {
      FamilyExperiment e = t.experiment;
      List<Point> cold = new ArrayList<>();
      for (int i = 0; i < fractions.length; i++) {
        cold.add(Point.NONE);
      }
      List<Point> stream = new ArrayList<>();
      for (int pct = STREAM_FROM_PERCENT; pct <= 100; pct += STREAM_STEP_PERCENT) {
        stream.add(Point.NONE);
      }
      return new Outcome(
          t.seed,
          e == null ? Double.NaN : e.trueCmr(),
          e == null ? null : e.design(),
          e == null || e.feasibilityMonotone(),
          cold,
          stream,
          why);
    }

    /** Σ|Δcmr| between consecutive estimates of the stream, NaN with fewer than two. */
    double movement() {
      double total = 0;
      Point previous = null;
      int estimates = 0;
      for (Point p : stream) {
        if (!p.ok()) {
          continue;
        }
        estimates++;
        if (previous != null) {
          total += Math.abs(p.cmr() - previous.cmr());
        }
        previous = p;
      }
      return estimates < 2 ? Double.NaN : total;
    }

    /** Steps whose estimate falls outside the previous estimate's interval. */
    int jumps() {
      int jumps = 0;
      Point previous = null;
      for (Point p : stream) {
        if (!p.ok()) {
          continue;
        }
        if (previous != null && (p.cmr() < previous.low() || p.cmr() > previous.high())) {
          jumps++;
        }
        previous = p;
      }
      return jumps;
    }
  }

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("CmrAccuracy: " + e.getMessage());
      System.err.println(
          "usage: CmrAccuracy [N] [--n N] [--first-seed S] [--families a,b,...]"
              + " [--fractions 0.25,0.5,...] [--threads T] [--timeout SECONDS]; families: "
              + String.join(", ", Families.names()));
      System.exit(2);
      return;
    }
    String loadBefore = loadAverage();
    long start = System.nanoTime();
    Map<String, List<Outcome>> outcomes = run(o);
    double seconds = (System.nanoTime() - start) / 1e9;

    System.out.println("# CMR accuracy by law family");
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "%s · load average before %s on %d cores · N = %d per family, seeds %d–%d · fractions %s ·"
            + " %d threads%n",
        ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME),
        loadBefore,
        Runtime.getRuntime().availableProcessors(),
        o.n(),
        o.firstSeed(),
        o.firstSeed() + o.n() - 1,
        Arrays.stream(o.fractions())
            .mapToObj(f -> String.format(Locale.ROOT, "%.0f %%", f * 100))
            .collect(Collectors.joining(", ")),
        o.threads());
    List<String> summaries = new ArrayList<>();
    for (LawFamily f : o.families()) {
      List<Outcome> list = outcomes.get(f.name());
      System.out.println();
      System.out.print(familyReport(f, list, o.fractions()));
      summaries.add(overviewRow(f.name(), list, o.fractions()));
    }
    System.out.println();
    System.out.println("## Against the targets");
    System.out.println();
    System.out.println(
        "| family | 100 %: median error ≤ 1 pp | 100 %: coverage ≥ 85 % | 50 %: median error ≤ 2.5"
            + " pp | 50 %: coverage 85–97 % | 50 %: median width ≤ 15 pp | 25 %: coverage ≥ 85 % |"
            + " movement 30→100 % ≤ 15 pp | met |");
    System.out.println("|---|---|---|---|---|---|---|---|---|");
    summaries.forEach(System.out::println);
    System.out.println();
    System.out.println(
        "An experiment without an estimate counts against a target as uncovered, with an infinite"
            + " error and width.");
    System.out.println();
    long unfinished =
        outcomes.values().stream().flatMap(List::stream).filter(x -> x.failure() != null).count();
    if (unfinished > 0) {
      System.out.printf(
          Locale.ROOT,
          "Experiments that did not finish: %d (see their families); a thread left running keeps a core"
              + " busy, so the timings after it are pessimistic.%n%n",
          unfinished);
    }
    System.out.printf(
        Locale.ROOT,
        "%d experiments in %.0f s · load average after %s%n",
        o.n() * o.families().size(),
        seconds,
        loadAverage());
  }

  /** An experiment analysed on a thread of its own, with what it is doing now. */
  static final class Task {
    final LawFamily family;
    final long seed;
    final CompletableFuture<Outcome> done = new CompletableFuture<>();
    volatile FamilyExperiment experiment;
    volatile String stage = "generating the experiment";
    long started;

    Task(LawFamily family, long seed) {
      this.family = family;
      this.seed = seed;
    }
  }

  /**
   * Generates and analyses every experiment; outcomes by family, in seed order. The JIT is warmed
   * first (untimed, seeds below the range), then the families are interleaved seed by seed, so that
   * no family's timings carry the warm-up or a stretch of machine load alone.
   */
  static Map<String, List<Outcome>> run(Options o) throws InterruptedException, ExecutionException {
    List<Task> warmUp = new ArrayList<>();
    for (int i = 1; i <= WARM_UP_PER_THREAD * o.threads(); i++) {
      warmUp.add(new Task(o.families().get(i % o.families().size()), o.firstSeed() - i));
    }
    execute(warmUp, o);
    List<Task> tasks = new ArrayList<>();
    for (long seed = o.firstSeed(); seed < o.firstSeed() + o.n(); seed++) {
      for (LawFamily f : o.families()) {
        tasks.add(new Task(f, seed));
      }
    }
    execute(tasks, o);
    Map<String, List<Outcome>> out = new TreeMap<>();
    for (Task t : tasks) {
      out.computeIfAbsent(t.family.name(), k -> new ArrayList<>()).add(t.done.get());
    }
    return out;
  }

  /**
   * Runs the tasks, at most {@code threads} at a time, each on a new daemon thread with a fresh
   * analyzer. An analysis cannot be interrupted, so a task still running after the time limit is
   * recorded as not finished and left behind (it may keep a core busy until the end), and the next
   * task starts in its place: one estimator hang shows in the report instead of stalling the run.
   */
  private static void execute(List<Task> tasks, Options o) throws InterruptedException {
    Deque<Task> waiting = new ArrayDeque<>(tasks);
    List<Task> running = new ArrayList<>();
    BlockingQueue<Task> finished = new LinkedBlockingQueue<>();
    while (!waiting.isEmpty() || !running.isEmpty()) {
      while (running.size() < o.threads() && !waiting.isEmpty()) {
        Task t = waiting.poll();
        t.started = System.nanoTime();
        Thread th =
            new Thread(
                () -> {
                  try {
                    t.done.complete(analyse(t, new ExperimentAnalyzer(), o.fractions()));
                  } catch (RuntimeException | Error e) {
                    t.done.complete(
                        Outcome.failed(t, o.fractions(), "threw " + e + " during " + t.stage));
                  } finally {
                    finished.add(t);
                  }
                },
                "cmr-accuracy-" + t.family.name() + "-" + t.seed);
        th.setDaemon(true);
        th.start();
        running.add(t);
      }
      Task f = finished.poll(100, TimeUnit.MILLISECONDS);
      if (f != null) {
        running.remove(f);
      }
      long now = System.nanoTime();
      for (Iterator<Task> it = running.iterator(); it.hasNext(); ) {
        Task t = it.next();
        if (now - t.started > o.timeoutSeconds() * 1e9) {
          t.done.complete(
              Outcome.failed(
                  t,
                  o.fractions(),
                  "no answer within " + o.timeoutSeconds() + " s, during " + t.stage));
          it.remove();
        }
      }
    }
  }

  /** Cold analyses at each share, then the stream replay through the same analyzer. */
  static Outcome analyse(Task task, ExperimentAnalyzer analyzer, double[] fractions) {
    FamilyExperiment e = task.family.generate(task.seed);
    task.experiment = e;
    List<Point> cold = new ArrayList<>();
    for (double f : fractions) {
      task.stage = String.format(Locale.ROOT, "the cold analysis at %.0f %%", f * 100);
      Collection<RunSummary> runs = summaries(e.eventsUpTo(f));
      long t = System.nanoTime();
      ExperimentEstimate est = analyzer.analyze(e.experiment(), runs, null);
      cold.add(Point.of(est, (System.nanoTime() - t) / 1e6));
    }
    List<Point> stream = new ArrayList<>();
    ExperimentEstimate previous = null;
    for (int pct = STREAM_FROM_PERCENT; pct <= 100; pct += STREAM_STEP_PERCENT) {
      task.stage = "the streamed analysis at " + pct + " %";
      Collection<RunSummary> runs = summaries(e.eventsUpTo(pct / 100.0));
      long t = System.nanoTime();
      ExperimentEstimate est = analyzer.analyze(e.experiment(), runs, previous);
      stream.add(Point.of(est, (System.nanoTime() - t) / 1e6));
      previous = est;
    }
    return new Outcome(
        task.seed, e.trueCmr(), e.design(), e.feasibilityMonotone(), cold, stream, null);
  }

  static Collection<RunSummary> summaries(List<LossEvent> events) {
    Map<String, RunSummary> runs = new TreeMap<>();
    for (LossEvent ev : events) {
      runs.computeIfAbsent(ev.run(), r -> new RunSummary(ev.experiment(), r)).absorb(ev);
    }
    return runs.values();
  }

  /** One family's section: design line, table, stream line, targets line. */
  static String familyReport(LawFamily f, List<Outcome> list, double[] fractions) {
    StringBuilder sb = new StringBuilder();
    int n = list.size();
    String summary = Character.toUpperCase(f.summary().charAt(0)) + f.summary().substring(1);
    sb.append("## ").append(f.name()).append("\n\n").append(summary).append(".\n\n");
    sb.append(designLine(list)).append("\n\n");
    sb.append(
        "| budget observed | estimates | median abs. error (pp) | p90 abs. error (pp) | 90 %"
            + " interval covers truth [95 % CI] | median width (pp) | interval within ±2 pp |"
            + " median Cramér–Rao half-width (pp) |\n");
    sb.append("|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < fractions.length; i++) {
      int k = i;
      List<Point> points = list.stream().map(o -> o.cold().get(k)).toList();
      List<Double> errors = new ArrayList<>();
      List<Double> widths = new ArrayList<>();
      List<Double> bounds = new ArrayList<>();
      int covered = 0;
      int narrow = 0;
      for (int j = 0; j < n; j++) {
        Point p = points.get(j);
        if (!p.ok()) {
          continue;
        }
        double truth = list.get(j).trueCmr();
        errors.add(100 * Math.abs(p.cmr() - truth));
        widths.add(100 * (p.high() - p.low()));
        if (p.bound() != null) {
          bounds.add(100 * p.bound());
        }
        covered += p.covers(truth) ? 1 : 0;
        narrow += p.within2pp() ? 1 : 0;
      }
      int ok = errors.size();
      sb.append(
          String.format(
              Locale.ROOT,
              "| %.0f %% | %d / %d | %s | %s | %s | %s | %s | %s |%n",
              fractions[i] * 100,
              ok,
              n,
              fmt(quantile(errors, 0.5)),
              fmt(quantile(errors, 0.9)),
              ok == 0 ? "–" : coverage(covered, ok),
              fmt(quantile(widths, 0.5)),
              ok == 0 ? "–" : String.format(Locale.ROOT, "%.0f %%", 100.0 * narrow / ok),
              bounds.isEmpty() ? "–" : fmt(quantile(bounds, 0.5))));
    }
    sb.append('\n').append(boundLine(list, fractions)).append('\n');
    sb.append('\n').append(streamLine(list)).append('\n');
    List<String> failures =
        list.stream()
            .filter(o -> o.failure() != null)
            .map(o -> "seed " + o.seed() + ": " + o.failure())
            .toList();
    if (!failures.isEmpty()) {
      sb.append("\n**Did not finish** (no estimate at any share; counted as misses): ")
          .append(String.join("; ", failures))
          .append(".\n");
    }
    return sb.toString();
  }

  /**
   * What the Cramér–Rao bound says: estimates whose interval is narrower than twice the bound (an
   * interval narrower than the bound is over-claiming), and, at 50 %, estimates for which the bound
   * alone puts the 15 pp width target out of reach.
   */
  private static String boundLine(List<Outcome> list, double[] fractions) {
    int withBound = 0;
    int narrower = 0;
    for (Outcome o : list) {
      for (Point p : o.cold()) {
        // An interval clipped at 0 or 1 may rightly be narrower than the bound says.
        if (p.ok() && p.bound() != null && p.low() > 0 && p.high() < 1) {
          withBound++;
          // A relative 1e-9 for rounding: the bound is meant to be a floor of the half-width.
          narrower += p.high() - p.low() < 2 * p.bound() * (1 - 1e-9) ? 1 : 0;
        }
      }
    }
    if (withBound == 0) {
      return "Cramér–Rao: no estimate reports `cmrHalfWidthBound`.";
    }
    String half = "";
    int i50 = indexOf(fractions, 0.5);
    if (i50 >= 0) {
      int out = 0;
      int at50 = 0;
      for (Outcome o : list) {
        Point p = o.cold().get(i50);
        if (p.ok() && p.bound() != null) {
          at50++;
          out += 2 * p.bound() > 0.15 ? 1 : 0;
        }
      }
      half =
          String.format(
              Locale.ROOT,
              "; at 50 %% the bound alone puts the 15 pp width target out of reach (2 × bound > 15"
                  + " pp) for %d of %d estimates",
              out,
              at50);
    }
    return String.format(
        Locale.ROOT,
        "Cramér–Rao: %d of %d intervals (all shares, those clipped at 0 or 1 aside) narrower than"
            + " twice the bound%s.",
        narrower,
        withBound,
        half);
  }

  private static String designLine(List<Outcome> list) {
    Map<Integer, Integer> ratios = new TreeMap<>();
    int minEval = Integer.MAX_VALUE;
    int maxEval = 0;
    double minNoise = 1;
    double maxNoise = 0;
    int monotone = 0;
    for (Outcome o : list) {
      Design d = o.design();
      if (d == null) {
        continue;
      }
      ratios.merge(d.ratios(), 1, Integer::sum);
      minEval = Math.min(minEval, d.minEvaluations());
      maxEval = Math.max(maxEval, d.maxEvaluations());
      minNoise = Math.min(minNoise, d.noise());
      maxNoise = Math.max(maxNoise, d.noise());
      monotone += o.feasibilityMonotone() ? 1 : 0;
    }
    return String.format(
        Locale.ROOT,
        "Design: %s; %d–%d evaluations per run; noise σ %.4f–%.4f. Feasibility monotone in R in %d"
            + " / %d experiments.",
        ratios.entrySet().stream()
            .map(e -> e.getValue() + " × " + e.getKey() + " ratios")
            .collect(Collectors.joining(", ")),
        minEval,
        maxEval,
        minNoise,
        maxNoise,
        monotone,
        list.size());
  }

  private static String streamLine(List<Outcome> list) {
    List<Double> movement = new ArrayList<>();
    List<Double> jumps = new ArrayList<>();
    int jumped = 0;
    int totalJumps = 0;
    int steps = 0;
    int estimates = 0;
    List<Double> coldMs = new ArrayList<>();
    List<Double> warmMs = new ArrayList<>();
    for (Outcome o : list) {
      double m = o.movement();
      if (!Double.isNaN(m)) {
        movement.add(100 * m);
      }
      int j = o.jumps();
      jumps.add((double) j);
      totalJumps += j;
      jumped += j > 0 ? 1 : 0;
      for (int i = 0; i < o.stream().size(); i++) {
        Point p = o.stream().get(i);
        steps++;
        estimates += p.ok() ? 1 : 0;
        if (!Double.isNaN(p.millis())) {
          (i == 0 ? coldMs : warmMs).add(p.millis());
        }
      }
      o.cold().stream().filter(p -> !Double.isNaN(p.millis())).forEach(p -> coldMs.add(p.millis()));
    }
    return String.format(
        Locale.ROOT,
        "Streamed 30 → 100 %% in 5 %% steps (one analyzer, warm starts): median total movement %s pp"
            + " (p90 %s; over %d experiments with two or more estimates); %d jumps outside the"
            + " previous interval (median %.0f per experiment; %d of %d experiments jumped);"
            + " estimates at %d of %d steps. Per call: cold %s ms, warm %s ms (medians of %d and"
            + " %d).",
        fmt(quantile(movement, 0.5)),
        fmt(quantile(movement, 0.9)),
        movement.size(),
        totalJumps,
        quantile(jumps, 0.5),
        jumped,
        list.size(),
        estimates,
        steps,
        fmt(quantile(coldMs, 0.5)),
        fmt(quantile(warmMs, 0.5)),
        coldMs.size(),
        warmMs.size());
  }

  /** The family's row against the targets; a missing share is "not measured". */
  static String overviewRow(String family, List<Outcome> list, double[] fractions) {
    List<String> cells = new ArrayList<>();
    int met = 0;
    int measured = 0;
    int i100 = indexOf(fractions, 1.0);
    int i50 = indexOf(fractions, 0.5);
    int i25 = indexOf(fractions, 0.25);
    Verdict[] verdicts = {
      i100 < 0 ? null : errorAtMost(list, i100, 1.0),
      i100 < 0 ? null : coverageWithin(list, i100, 0.85, 1.0),
      i50 < 0 ? null : errorAtMost(list, i50, 2.5),
      i50 < 0 ? null : coverageWithin(list, i50, 0.85, 0.97),
      i50 < 0 ? null : widthAtMost(list, i50, 15),
      i25 < 0 ? null : coverageWithin(list, i25, 0.85, 1.0),
      movementAtMost(list, 15)
    };
    for (Verdict v : verdicts) {
      if (v == null) {
        cells.add("not measured");
        continue;
      }
      measured++;
      met += v.met() ? 1 : 0;
      cells.add(v.text() + (v.met() ? " ✓" : " ✗ missed"));
    }
    return "| "
        + family
        + " | "
        + String.join(" | ", cells)
        + " | "
        + met
        + " of "
        + measured
        + " |";
  }

  record Verdict(String text, boolean met) {}

  private static Verdict errorAtMost(List<Outcome> list, int k, double pp) {
    double median = quantile(metric(list, k, (o, p) -> 100 * Math.abs(p.cmr() - o.trueCmr())), 0.5);
    return new Verdict(fmt(median) + " pp", median <= pp);
  }

  private static Verdict widthAtMost(List<Outcome> list, int k, double pp) {
    double median = quantile(metric(list, k, (o, p) -> 100 * (p.high() - p.low())), 0.5);
    return new Verdict(fmt1(median) + " pp", median <= pp);
  }

  private static Verdict coverageWithin(List<Outcome> list, int k, double lo, double hi) {
    int covered = 0;
    for (Outcome o : list) {
      covered += o.cold().get(k).covers(o.trueCmr()) ? 1 : 0;
    }
    double share = covered / (double) list.size();
    return new Verdict(coverage(covered, list.size()), share >= lo && share <= hi);
  }

  private static Verdict movementAtMost(List<Outcome> list, double pp) {
    List<Double> m = new ArrayList<>();
    for (Outcome o : list) {
      double v = o.movement();
      m.add(Double.isNaN(v) ? Double.POSITIVE_INFINITY : 100 * v);
    }
    double median = quantile(m, 0.5);
    return new Verdict(fmt1(median) + " pp", median <= pp);
  }

  // The per-experiment metric at share k, +∞ for an experiment without an estimate.
  private static List<Double> metric(
      List<Outcome> list, int k, ToDoubleBiFunction<Outcome, Point> f) {
    List<Double> out = new ArrayList<>();
    for (Outcome o : list) {
      Point p = o.cold().get(k);
      out.add(p.ok() ? f.applyAsDouble(o, p) : Double.POSITIVE_INFINITY);
    }
    return out;
  }

  private static int indexOf(double[] fractions, double f) {
    for (int i = 0; i < fractions.length; i++) {
      if (Math.abs(fractions[i] - f) < 1e-9) {
        return i;
      }
    }
    return -1;
  }

  /** "93 % [86–97]": the share and its 95 % Wilson score interval, in percent. */
  static String coverage(int k, int n) {
    double[] ci = wilson(k, n);
    return String.format(
        Locale.ROOT, "%.0f %% [%.0f–%.0f]", 100.0 * k / n, 100 * ci[0], 100 * ci[1]);
  }

  /** The 95 % Wilson score interval of a binomial proportion k/n. */
  static double[] wilson(int k, int n) {
    double p = k / (double) n;
    double z2 = Z95 * Z95;
    double denominator = 1 + z2 / n;
    double centre = (p + z2 / (2 * n)) / denominator;
    double half = Z95 * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denominator;
    return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
  }

  static Options parse(String[] args) {
    int n = 100;
    long firstSeed = 1000;
    List<LawFamily> families = Families.all();
    double[] fractions = {0.25, 0.5, 0.75, 1.0};
    int threads = Math.min(2, Runtime.getRuntime().availableProcessors());
    int timeout = 120;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.matches("\\d+")) {
        n = Integer.parseInt(a);
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("option " + a + " needs a value");
      }
      String v = args[++i];
      try {
        switch (a) {
          case "--n" -> n = Integer.parseInt(v);
          case "--first-seed" -> firstSeed = Long.parseLong(v);
          case "--threads" -> threads = Integer.parseInt(v);
          case "--timeout" -> timeout = Integer.parseInt(v);
          case "--families" ->
              families =
                  v.equals("all")
                      ? Families.all()
                      : Arrays.stream(v.split(","))
                          .map(String::strip)
                          .map(Families::named)
                          .toList();
          case "--fractions" ->
              fractions =
                  Arrays.stream(v.split(","))
                      .mapToDouble(s -> Double.parseDouble(s.strip()))
                      .toArray();
          default -> throw new IllegalArgumentException("unknown option " + a);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("option " + a + ": not a number: " + v);
      }
    }
    if (n < 1) {
      throw new IllegalArgumentException("N must be >= 1, got " + n);
    }
    if (threads < 1) {
      throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
    }
    for (double f : fractions) {
      if (!(f > 0 && f <= 1)) {
        throw new IllegalArgumentException("fractions must be in (0, 1], got " + f);
      }
    }
    if (timeout < 1) {
      throw new IllegalArgumentException("--timeout must be >= 1 s, got " + timeout);
    }
    return new Options(n, firstSeed, families, fractions, threads, timeout);
  }

  static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException | RuntimeException e) {
      double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
      return l < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f", l);
    }
  }

  private static Double finite(Double v) {
    return v != null && Double.isFinite(v) ? v : null;
  }

  static String fmt(double v) {
    return Double.isNaN(v)
        ? "–"
        : Double.isInfinite(v) ? "∞" : String.format(Locale.ROOT, "%.2f", v);
  }

  static String fmt1(double v) {
    return Double.isInfinite(v) ? "∞" : String.format(Locale.ROOT, "%.1f", v);
  }

  static double quantile(List<Double> values, double q) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> s = new ArrayList<>(values);
    Collections.sort(s);
    double pos = q * (s.size() - 1);
    int lo = (int) Math.floor(pos);
    int hi = (int) Math.ceil(pos);
    if (Double.isInfinite(s.get(hi)) || lo == hi) {
      return pos - lo < 0.5 ? s.get(lo) : s.get(hi);
    }
    return s.get(lo) + (pos - lo) * (s.get(hi) - s.get(lo));
  }
}
