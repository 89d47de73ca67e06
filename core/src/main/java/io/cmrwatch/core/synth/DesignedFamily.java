package io.cmrwatch.core.synth;

import static io.cmrwatch.core.synth.SyntheticGenerator.TOKENS_PER_STEP;
import static io.cmrwatch.core.synth.SyntheticGenerator.TOKEN_UNIT;
import static io.cmrwatch.core.synth.SyntheticGenerator.gaussian;
import static io.cmrwatch.core.synth.SyntheticGenerator.round3;
import static io.cmrwatch.core.synth.SyntheticGenerator.uniform;

import io.cmrwatch.core.event.LossEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A family whose runs are sampled with a design that varies from seed to seed: 4, 6 or 10 ratios on
 * an even grid; 20–200 evaluations per run (log-uniform, drawn per run) at irregular spacing;
 * Gaussian noise σ 0.001–0.01 (log-uniform, per experiment) with 1–5 % outliers of 6–12 σ. A
 * subclass draws the true curves ({@link Model}); draws are repeated until the true CMR lies
 * strictly inside the trained ratios (at least a quarter of a grid step from the first and the
 * last) and the family's own condition holds. Budgets are 8–32 B tokens, ε = 0.05, λ = 1000, the
 * token unit 0.2 B tokens.
 */
abstract class DesignedFamily implements LawFamily {

  static final int[] RATIO_COUNTS = {4, 6, 10};
  static final int MIN_EVALUATIONS = 20;
  static final int MAX_EVALUATIONS = 200;
  static final double MIN_NOISE = 0.001;
  static final double MAX_NOISE = 0.01;
  static final double MIN_OUTLIER_RATE = 0.01;
  static final double MAX_OUTLIER_RATE = 0.05;
  static final double EPSILON = 0.05;
  static final double LAMBDA = 1000.0;

  /** Draws per seed before giving up (a family whose draws almost never qualify is a bug). */
  private static final int MAX_DRAWS = 2000;

  /** The true curves of one draw. */
  interface Model {
    /** The curves at any ratio in (0, 1]; the truth is computed on these. */
    TrueCurves trend(double ratio);

    /** The curves of the run with the given index on the grid (the trend's unless noisy). */
    default TrueCurves run(int index, double ratio) {
      return trend(ratio);
    }
  }

  /**
   * The ratios and budget a model is drawn for.
   *
   * @param ratios the trained ratios, increasing
   * @param step the grid step
   * @param budget T_max in token units
   */
  record Grid(double[] ratios, double step, double budget) {
    double first() {
      return ratios[0];
    }

    double last() {
      return ratios[ratios.length - 1];
    }

    int size() {
      return ratios.length;
    }

    /** A ratio drawn uniformly at least half a step inside the grid's ends. */
    double inner(SplittableRandom rnd) {
      return uniform(rnd, first() + 0.5 * step, last() - 0.5 * step);
    }
  }

  private final String name;
  private final String summary;

  DesignedFamily(String name, String summary) {
    this.name = name;
    this.summary = summary;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String summary() {
    return summary;
  }

  /** One draw of the family's curves for the grid. */
  abstract Model draw(SplittableRandom rnd, Grid grid);

  /** The family's own condition on a draw, beyond the truth lying inside the grid. */
  boolean acceptable(Model model, Grid grid) {
    return true;
  }

  @Override
  public FamilyExperiment generate(long seed) {
    // A stream of its own per family: the same seed in two families gives unrelated experiments.
    SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
    long budgetTokens =
        Math.round(uniform(rnd, 40, 160) * TOKEN_UNIT / TOKENS_PER_STEP) * TOKENS_PER_STEP;
    double budget = budgetTokens / TOKEN_UNIT;
    int m = RATIO_COUNTS[rnd.nextInt(RATIO_COUNTS.length)];
    double r1 = uniform(rnd, 0.05, 0.15);
    double step = uniform(rnd, 0.5, 0.75) / (m - 1);
    double[] ratios = new double[m];
    for (int i = 0; i < m; i++) {
      ratios[i] = round3(r1 + i * step);
    }
    Grid grid = new Grid(ratios, step, budget);
    double noise = Math.exp(uniform(rnd, Math.log(MIN_NOISE), Math.log(MAX_NOISE)));
    double outlierRate = uniform(rnd, MIN_OUTLIER_RATE, MAX_OUTLIER_RATE);

    Model model = null;
    TrueCmr.Truth truth = null;
    for (int draw = 0; draw < MAX_DRAWS && model == null; draw++) {
      Model candidate = draw(rnd, grid);
      if (!acceptable(candidate, grid)) {
        continue;
      }
      TrueCmr.Truth t = TrueCmr.cmr(candidate::trend, budget, EPSILON, LAMBDA);
      if (t.cmr() >= grid.first() + 0.25 * step && t.cmr() <= grid.last() - 0.25 * step) {
        model = candidate;
        truth = t;
      }
    }
    if (model == null) {
      throw new IllegalStateException(
          "family " + name + ": no draw for seed " + seed + " qualified in " + MAX_DRAWS);
    }

    String experiment = name + "-" + seed;
    double baseGeneral = uniform(rnd, 2.2, 3.2);
    double baseDomain = uniform(rnd, 1.8, 2.8);
    Instant start = Instant.parse("2026-11-28T00:00:00Z");
    List<TrueRun> runs = new ArrayList<>();
    List<LossEvent> events = new ArrayList<>();
    int minEvaluations = Integer.MAX_VALUE;
    int maxEvaluations = 0;
    for (int k = 0; k < m; k++) {
      double ratio = ratios[k];
      String run = String.format(Locale.ROOT, "r%03d", Math.round(ratio * 1000));
      TrueCurves c = model.run(k, ratio);
      events.add(
          SyntheticGenerator.event(
              experiment,
              run,
              ratio,
              0,
              baseGeneral,
              baseDomain,
              baseGeneral,
              baseDomain,
              budgetTokens,
              start));
      long[] tokens = evaluationTokens(rnd, budgetTokens);
      for (long tk : tokens) {
        double t = tk / TOKEN_UNIT;
        double gl = baseGeneral + c.general(t) + noisy(rnd, noise, outlierRate);
        double dl = baseDomain + c.domain(t) + noisy(rnd, noise, outlierRate);
        events.add(
            SyntheticGenerator.event(
                experiment,
                run,
                ratio,
                tk,
                gl,
                dl,
                baseGeneral,
                baseDomain,
                budgetTokens,
                start.plus(Duration.ofSeconds(tk / TOKENS_PER_STEP))));
      }
      minEvaluations = Math.min(minEvaluations, tokens.length);
      maxEvaluations = Math.max(maxEvaluations, tokens.length);
      runs.add(
          new TrueRun(
              run,
              ratio,
              c,
              TrueCmr.t0(c, LAMBDA, budget) * TOKEN_UNIT,
              TrueCmr.feasible(c, budget, EPSILON, LAMBDA),
              tokens.length));
    }
    Model chosen = model;
    return new FamilyExperiment(
        name,
        experiment,
        seed,
        budgetTokens,
        TOKEN_UNIT,
        EPSILON,
        LAMBDA,
        new Design(m, minEvaluations, maxEvaluations, noise, outlierRate),
        List.copyOf(runs),
        List.copyOf(events),
        chosen::trend,
        truth.cmr(),
        truth.monotone());
  }

  /**
   * The tokens of one run's evaluations: n log-uniform in 20–200, at u_i = ((i ± 0.4)/n)^γ of the
   * budget with γ in 1–2.2 per run (denser early, by a varying amount), the last at the budget;
   * whole steps, strictly increasing (a collision moves an evaluation to the next free step).
   */
  private static long[] evaluationTokens(SplittableRandom rnd, long budgetTokens) {
    int n =
        (int)
            Math.round(
                Math.exp(uniform(rnd, Math.log(MIN_EVALUATIONS), Math.log(MAX_EVALUATIONS))));
    n = Math.max(MIN_EVALUATIONS, Math.min(MAX_EVALUATIONS, n));
    double gamma = uniform(rnd, 1.0, 2.2);
    long steps = budgetTokens / TOKENS_PER_STEP;
    long[] out = new long[n];
    long previous = 0;
    for (int i = 1; i <= n; i++) {
      long s;
      if (i == n) {
        s = steps;
      } else {
        double u = Math.pow(Math.max(0.05, i + uniform(rnd, -0.4, 0.4)) / n, gamma);
        s = Math.round(u * steps);
      }
      // Room for the evaluations still to come, each on its own step up to the budget.
      s = Math.min(Math.max(s, previous + 1), steps - (n - i));
      out[i - 1] = s * TOKENS_PER_STEP;
      previous = s;
    }
    return out;
  }

  // Gaussian noise; with the given chance an outlier of 6–12 standard deviations of either sign.
  private static double noisy(SplittableRandom rnd, double sd, double outlierRate) {
    double z = gaussian(rnd);
    if (rnd.nextDouble() < outlierRate) {
      z = (rnd.nextBoolean() ? 1 : -1) * uniform(rnd, 6, 12);
    }
    return sd * z;
  }

  /** z ~ N(0, 1) truncated to ±limit (by redrawing). */
  static double truncatedGaussian(SplittableRandom rnd, double limit) {
    double z;
    do {
      z = gaussian(rnd);
    } while (Math.abs(z) > limit);
    return z;
  }
}
