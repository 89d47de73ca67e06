package io.cmrwatch.bench;

import io.cmrwatch.core.cmr.CmrSettings;
import io.cmrwatch.core.cmr.ExperimentAnalyzer;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.cmr.RunEstimate;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.core.synth.Families;
import io.cmrwatch.core.synth.FamilyExperiment;
import io.cmrwatch.core.synth.LawFamily;
import io.cmrwatch.streams.alert.Alert;
import io.cmrwatch.streams.alert.AlertKind;
import io.cmrwatch.streams.alert.AlertPolicy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How the streams app's doomed-run prediction ({@code run_predicted_infeasible}) behaves on
 * experiments whose truth is known: each family's experiments replayed at 2.5 % steps of the budget
 * from 5 % to 100 % (39 warm analyses, as a busy stream), every run's fit handed to the app's own
 * {@link AlertPolicy}. A run is truly infeasible when its ratio lies above the family's true CMR
 * (experiments whose feasibility is monotone in the ratio only). Per family: the truly infeasible
 * runs and how many were predicted, and at what share of the budget first (median); the truly
 * feasible runs predicted infeasible at some point; runs whose alert changed state more than twice
 * (flapping); and, for comparison, the runs whose single analyses crossed the thresholds more than
 * twice (what an alert without the wait for consecutive analyses would have done).
 *
 * <pre>
 *   java -cp "bench/target/classes:cli/target/lib/*" io.cmrwatch.bench.DoomedRuns [N] [FIRST_SEED]
 * </pre>
 */
public final class DoomedRuns {

  private DoomedRuns() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    long first = args.length > 1 ? Long.parseLong(args[1]) : 1000;
    System.out.printf(
        Locale.ROOT,
        "| family | experiments | truly infeasible runs | predicted | first predicted at (median share"
            + " of the budget) | truly feasible runs predicted | runs flapping (> 2 transitions) |"
            + " single-analysis crossings > 2 |%n|---|---|---|---|---|---|---|---|%n");
    for (LawFamily family : Families.all()) {
      Tally t = new Tally();
      for (long seed = first; seed < first + n; seed++) {
        FamilyExperiment e = family.generate(seed);
        if (e.feasibilityMonotone()) {
          replay(e, t);
        }
      }
      System.out.printf(
          Locale.ROOT,
          "| %s | %d | %d | %d | %s | %d of %d | %d | %d |%n",
          family.name(),
          t.experiments,
          t.infeasible,
          t.predicted,
          t.firstShares.isEmpty() ? "—" : String.format(Locale.ROOT, "%.0f %%", 100 * median(t)),
          t.falseAlarms,
          t.feasible,
          t.flapping,
          t.rawFlapping);
    }
  }

  private static final class Tally {
    int experiments;
    int infeasible;
    int predicted;
    int feasible;
    int falseAlarms;
    int flapping;
    int rawFlapping;
    final List<Double> firstShares = new ArrayList<>();
  }

  private static void replay(FamilyExperiment e, Tally t) {
    t.experiments++;
    ExperimentAnalyzer analyzer = new ExperimentAnalyzer(CmrSettings.defaults());
    AlertPolicy policy = new AlertPolicy(6, 8, Long.MAX_VALUE);
    Map<String, Map<AlertKind, Long>> firing = new HashMap<>();
    Map<String, Map<AlertKind, Integer>> pending = new HashMap<>();
    Map<String, Integer> transitions = new HashMap<>();
    Map<String, Double> firstShare = new HashMap<>();
    Map<String, Boolean> rawOn = new HashMap<>();
    Map<String, Integer> rawTransitions = new HashMap<>();
    Map<String, Double> ratios = new HashMap<>();
    ExperimentEstimate previous = null;
    for (int step = 2; step <= 40; step++) {
      double share = step / 40.0;
      Collection<RunSummary> runs = CmrAccuracy.summaries(e.eventsUpTo(share));
      ExperimentEstimate est = analyzer.analyze(e.experiment(), runs, previous);
      previous = est;
      for (RunEstimate r : est.runs()) {
        ratios.put(r.run(), r.ratio());
        RunSummary summary = find(runs, r.run());
        List<Alert> alerts =
            policy.onFit(
                firing.computeIfAbsent(r.run(), k -> new EnumMap<>(AlertKind.class)),
                pending.computeIfAbsent(r.run(), k -> new EnumMap<>(AlertKind.class)),
                summary,
                r,
                est,
                step);
        for (Alert a : alerts) {
          if (a.kind().equals(AlertKind.RUN_PREDICTED_INFEASIBLE.code())) {
            transitions.merge(r.run(), 1, Integer::sum);
            if (a.firing()) {
              firstShare.putIfAbsent(r.run(), share);
            }
          }
        }
        Double p = r.feasibleProbability();
        if (p != null && Double.isFinite(p)) {
          boolean on = rawOn.getOrDefault(r.run(), false);
          if (on ? p > 0.2 : p <= 0.1) {
            rawOn.put(r.run(), !on);
            rawTransitions.merge(r.run(), 1, Integer::sum);
          }
        }
      }
    }
    for (Map.Entry<String, Double> run : ratios.entrySet()) {
      boolean infeasible = run.getValue() > e.trueCmr();
      boolean predicted = firstShare.containsKey(run.getKey());
      if (infeasible) {
        t.infeasible++;
        if (predicted) {
          t.predicted++;
          t.firstShares.add(firstShare.get(run.getKey()));
        }
      } else {
        t.feasible++;
        if (predicted) {
          t.falseAlarms++;
        }
      }
      if (transitions.getOrDefault(run.getKey(), 0) > 2) {
        t.flapping++;
      }
      if (rawTransitions.getOrDefault(run.getKey(), 0) > 2) {
        t.rawFlapping++;
      }
    }
  }

  private static RunSummary find(Collection<RunSummary> runs, String run) {
    for (RunSummary s : runs) {
      if (s.run().equals(run)) {
        return s;
      }
    }
    throw new IllegalStateException("no summary of run " + run);
  }

  private static double median(Tally t) {
    List<Double> s = new ArrayList<>(t.firstShares);
    s.sort(Double::compare);
    return s.get(s.size() / 2);
  }
}
