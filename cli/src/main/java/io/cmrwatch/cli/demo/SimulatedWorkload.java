package io.cmrwatch.cli.demo;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.trainer.sim.Simulator;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The simulator instead of training: one experiment of six runs drawn from known laws (with noise
 * and outliers, and a known true CMR), interleaved as if the runs trained side by side, published
 * at a rate that spreads it over {@code replay}.
 */
final class SimulatedWorkload implements Workload {

  /** How long the standard simulation takes at speed 1. */
  static final Duration STANDARD_REPLAY = Duration.ofSeconds(40);

  /** The seed of the standard simulated experiment. */
  static final long STANDARD_SEED = 7;

  private static final int RUNS = 6;
  private static final int EVALS_PER_RUN = 40;

  private final long seed;
  private final Duration replay;
  private final List<LossEvent> events;
  private final Map<String, Double> truth = new LinkedHashMap<>();

  SimulatedWorkload(long seed, Duration replay) {
    this.seed = seed;
    this.replay = replay;
    this.events = Simulator.events(options(0, ""), truth);
  }

  /** The standard simulation, spread over {@link #STANDARD_REPLAY} divided by {@code speed}. */
  static SimulatedWorkload standard(double speed) {
    return new SimulatedWorkload(
        STANDARD_SEED, Duration.ofMillis(Math.round(STANDARD_REPLAY.toMillis() / speed)));
  }

  private Simulator.Options options(double rate, String bootstrap) {
    return new Simulator.Options(1, RUNS, EVALS_PER_RUN, rate, seed, bootstrap, "");
  }

  @Override
  public String experiment() {
    return truth.keySet().iterator().next();
  }

  /** The true CMR of the simulated laws. */
  double trueCmr() {
    return truth.get(experiment());
  }

  @Override
  public String describe() {
    Map<String, Double> ratios = new TreeMap<>();
    events.forEach(e -> ratios.put(e.run(), e.ratio()));
    return String.format(
        Locale.ROOT,
        "simulated CPT (experiment %s: %d runs at domain shares %s, budget %s tokens, %d evaluations in %d s)",
        experiment(),
        ratios.size(),
        ratios.values().stream().sorted().map(Format::pct).toList(),
        Format.tokens(events.get(0).budgetTokens()),
        events.size(),
        replay.toSeconds());
  }

  @Override
  public String run(String bootstrap, Instant deadline, Consumer<String> out) throws Exception {
    double rate = events.size() / (replay.toMillis() / 1000.0);
    Simulator.Result r = new Simulator().run(options(rate, bootstrap));
    if (r.failed() > 0) {
      out.accept("simulator: " + r.failed() + " events could not be published");
    }
    return String.format(
        Locale.ROOT,
        "simulator: %d events published in %.0f s; the true CMR of the simulated laws is %s",
        r.published(),
        r.seconds(),
        Format.pct(trueCmr()));
  }
}
