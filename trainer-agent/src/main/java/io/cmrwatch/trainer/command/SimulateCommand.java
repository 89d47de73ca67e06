package io.cmrwatch.trainer.command;

import io.cmrwatch.kafka.cli.KafkaOptions;
import io.cmrwatch.trainer.sim.Simulator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cmrwatch simulate}: publishes synthetic loss events from known laws and prints each
 * experiment's true CMR.
 */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description =
        "Publish loss events drawn from known laws with noise (for load tests and demos); prints each "
            + "experiment's true CMR.")
public final class SimulateCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(SimulateCommand.class);

  @Option(
      names = "--experiments",
      defaultValue = "1",
      description = "Experiments (${DEFAULT-VALUE}).")
  int experiments;

  @Option(
      names = "--runs-per-experiment",
      defaultValue = "6",
      description = "Ratios per experiment, 2-12 " + "(${DEFAULT-VALUE}).")
  int runs;

  @Option(
      names = "--evals-per-run",
      defaultValue = "40",
      description =
          "Evaluations per run after T = 0 (${DEFAULT-VALUE}; the generator draws 40-80).")
  int evals;

  @Option(
      names = "--rate",
      defaultValue = "50",
      description = "Events per second, 0 = unthrottled " + "(${DEFAULT-VALUE}).")
  double rate;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Seed of the first experiment (${DEFAULT-VALUE}).")
  long seed;

  @Mixin KafkaOptions kafka;

  @Override
  public Integer call() throws Exception {
    Simulator.Options options;
    try {
      options =
          new Simulator.Options(
              experiments, runs, evals, rate, seed, kafka.bootstrap(), kafka.topicPrefix());
    } catch (IllegalArgumentException e) {
      LOG.error("{}", e.getMessage());
      return 2;
    }
    Map<String, Double> truth = new java.util.LinkedHashMap<>();
    int total = Simulator.events(options, truth).size();
    truth.forEach(
        (x, cmr) -> System.out.printf(Locale.ROOT, "experiment %s: true CMR %.4f%n", x, cmr));
    System.out.printf(
        Locale.ROOT,
        "publishing %d events at %s to %s ...%n",
        total,
        rate > 0 ? rate + " events/s" : "full speed",
        kafka.bootstrap());
    try {
      Simulator.Result result = new Simulator().run(options);
      System.out.printf(
          Locale.ROOT,
          "published %d events (%d failed) in %.1f s%n",
          result.published(),
          result.failed(),
          result.seconds());
      return result.failed() == 0 ? 0 : 1;
    } catch (IllegalStateException e) {
      LOG.error("{}", e.getMessage());
      return 1;
    }
  }
}
