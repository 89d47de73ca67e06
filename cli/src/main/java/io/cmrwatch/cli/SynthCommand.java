package io.cmrwatch.cli;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.event.LossEventCodec;
import io.cmrwatch.core.synth.Families;
import io.cmrwatch.core.synth.FamilyExperiment;
import io.cmrwatch.core.synth.LawFamily;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cmrwatch synth}: prints a synthetic experiment drawn from one of the law families
 * (docs/synthetic-families.md) as JSONL loss events, and its true CMR on stderr — input for {@code
 * cmrwatch fit}, demos and tests.
 */
@Command(
    name = "synth",
    mixinStandardHelpOptions = true,
    description =
        "Print a synthetic experiment (known curves) as JSONL loss events; its true CMR goes to"
            + " stderr.")
public final class SynthCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--family",
      defaultValue = "power",
      paramLabel = "NAME",
      description =
          "Law family (${DEFAULT-VALUE}): power, power-design, drift, amplitude-noise, nonpower,"
              + " exp-recovery or no-turnover (docs/synthetic-families.md).")
  String family;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Seed (${DEFAULT-VALUE}); the same seed gives the same" + " events.")
  long seed;

  @Option(
      names = "--observed-fraction",
      defaultValue = "1",
      paramLabel = "F",
      description = "Only events with tokens <= F x budget (${DEFAULT-VALUE}).")
  double observedFraction;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    if (!(observedFraction > 0 && observedFraction <= 1)) {
      err.println("cmrwatch synth: --observed-fraction must be in (0, 1], got " + observedFraction);
      return 2;
    }
    LawFamily f;
    try {
      f = Families.named(family);
    } catch (IllegalArgumentException e) {
      err.println("cmrwatch synth: " + e.getMessage());
      return 2;
    }
    FamilyExperiment e = f.generate(seed);
    PrintWriter out = spec.commandLine().getOut();
    for (LossEvent ev : e.eventsUpTo(observedFraction)) {
      out.println(LossEventCodec.encodeToString(ev));
    }
    out.flush();
    err.printf(
        Locale.ROOT,
        "experiment %s: budget %d tokens, true CMR %.4f%n",
        e.experiment(),
        e.budgetTokens(),
        e.trueCmr());
    err.flush();
    return 0;
  }
}
