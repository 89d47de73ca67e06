package io.cmrwatch.cli;

import io.cmrwatch.core.cmr.CmrSettings;
import io.cmrwatch.core.cmr.EstimateJson;
import io.cmrwatch.core.cmr.ExperimentAnalyzer;
import io.cmrwatch.core.event.InvalidEventException;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.event.LossEventCodec;
import io.cmrwatch.core.summary.RunSummary;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cmrwatch fit}: the CMR method offline. Reads loss events (JSONL, the shared schema), fits
 * every run and prints one CMR estimate per experiment, one JSON object per line. Bad lines are
 * reported on stderr and skipped.
 */
@Command(
    name = "fit",
    mixinStandardHelpOptions = true,
    description =
        "Fit the CMR scaling law to loss events (JSONL) and print one CMR estimate per experiment.")
public final class FitCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--events",
      required = true,
      paramLabel = "FILE",
      description = "JSONL loss events, one per line; - reads stdin.")
  String events;

  @Option(
      names = "--epsilon",
      paramLabel = "EPS",
      description =
          "Tolerance ε on the general-loss increase (default: the events' value, else 0.05).")
  Double epsilon;

  @Option(
      names = "--lambda",
      paramLabel = "L",
      description = "Weight λ of the general loss (default: the events' value, else 1000).")
  Double lambda;

  @Option(
      names = "--token-unit",
      paramLabel = "TOKENS",
      description = "Token unit of the fitted laws (default: the events' value, else 2e8).")
  Double tokenUnit;

  @Option(
      names = "--budget",
      paramLabel = "TOKENS",
      description = "Token budget T_max (default: the events' budgetTokens). Accepts 2e10.")
  Double budget;

  @Option(
      names = "--observed-fraction",
      paramLabel = "F",
      description =
          "Use only events with tokens <= F x budget, in (0, 1] (replays the streaming case).")
  Double observedFraction;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CmrSettings settings;
    try {
      if (budget != null && !(budget >= 1 && budget < 9.2e18 && budget == Math.rint(budget))) {
        throw new IllegalArgumentException(
            "--budget must be a whole number of tokens >= 1, got " + budget);
      }
      if (observedFraction != null && !(observedFraction > 0 && observedFraction <= 1)) {
        throw new IllegalArgumentException(
            "--observed-fraction must be in (0, 1], got " + observedFraction);
      }
      settings =
          CmrSettings.defaults()
              .withOverrides(
                  epsilon, lambda, tokenUnit, budget == null ? null : budget.longValue());
    } catch (IllegalArgumentException e) {
      err.println("cmrwatch fit: " + e.getMessage());
      return 2;
    }
    Map<String, Map<String, RunSummary>> experiments = new TreeMap<>();
    int lineNo = 0;
    int bad = 0;
    int used = 0;
    int beyond = 0;
    try (BufferedReader in = open(events)) {
      String line;
      while ((line = in.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        try {
          LossEvent e = LossEventCodec.decode(line);
          if (observedFraction != null) {
            Long b = budget != null ? Long.valueOf(budget.longValue()) : e.budgetTokens();
            if (b == null) {
              throw new IllegalArgumentException(
                  "--observed-fraction needs a budget: this event has no budgetTokens;"
                      + " pass --budget");
            }
            if (e.tokens() > observedFraction * b) {
              beyond++;
              continue;
            }
          }
          experiments
              .computeIfAbsent(e.experiment(), x -> new TreeMap<>())
              .computeIfAbsent(e.run(), r -> new RunSummary(e.experiment(), r))
              .absorb(e);
          used++;
        } catch (InvalidEventException e) {
          bad++;
          err.println(
              "line "
                  + lineNo
                  + ": "
                  + e.rejection().code()
                  + ": "
                  + e.getMessage()
                  + " (skipped)");
        } catch (IllegalArgumentException e) {
          bad++;
          err.println("line " + lineNo + ": " + e.getMessage() + " (skipped)");
        }
      }
    } catch (NoSuchFileException e) {
      err.println(
          "cmrwatch fit: no such file: "
              + events
              + " (give a JSONL file of loss events, or - for stdin)");
      return 2;
    } catch (IOException e) {
      err.println("cmrwatch fit: cannot read " + events + ": " + e.getMessage());
      return 2;
    }
    if (bad > 0 || beyond > 0) {
      err.println(
          used
              + " events used, "
              + bad
              + " bad line(s) skipped"
              + (observedFraction == null ? "" : ", " + beyond + " beyond the observed fraction"));
    }
    if (experiments.isEmpty()) {
      err.println("cmrwatch fit: no valid events in " + events);
      return 1;
    }
    ExperimentAnalyzer analyzer = new ExperimentAnalyzer(settings);
    experiments.forEach(
        (experiment, runs) ->
            out.println(EstimateJson.write(analyzer.analyze(experiment, runs.values()))));
    out.flush();
    return 0;
  }

  private static BufferedReader open(String events) throws IOException {
    if (events.equals("-")) {
      return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    }
    return Files.newBufferedReader(Path.of(events), StandardCharsets.UTF_8);
  }
}
