package io.cmrwatch.core.synth;

import io.cmrwatch.core.cmr.Feasibility;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.law.Law;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Draws synthetic CPT experiments from known laws ({@link TrueFamily}): six ratios on an even grid,
 * evaluations at irregular token spacing (denser early), Gaussian evaluation noise with occasional
 * outliers, base losses at T = 0 and a budget. Deterministic: the same seed gives the same
 * experiment, events and truth. The true CMR lies strictly inside the trained ratios (between the
 * first and the last, at least a quarter of a grid step from either).
 */
public final class SyntheticGenerator {

  /** The paper's token unit (0.2 B tokens), used for the true laws. */
  public static final double TOKEN_UNIT = 2e8;

  /** Tokens per optimiser step of the synthetic runs (evaluations fall on whole steps). */
  public static final long TOKENS_PER_STEP = 1L << 20;

  /** Chance that an evaluation's loss is an outlier of 6–12 standard deviations. */
  public static final double OUTLIER_RATE = 0.02;

  private final int ratios;
  private final double epsilon;
  private final double lambda;

  /** A generator of experiments with 6 ratios, ε = 0.05, λ = 1000. */
  public SyntheticGenerator() {
    this(6, 0.05, 1000.0);
  }

  /** A generator with the given number of ratios (2–12), tolerance and weight. */
  public SyntheticGenerator(int ratios, double epsilon, double lambda) {
    if (ratios < 2 || ratios > 12) {
      throw new IllegalArgumentException("ratios must be 2..12, got " + ratios);
    }
    this.ratios = ratios;
    this.epsilon = epsilon;
    this.lambda = lambda;
  }

  /** The experiment of a seed. */
  public SyntheticExperiment generate(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    // Budget 8–32 B tokens, a whole number of steps.
    long budget =
        Math.round(uniform(rnd, 40, 160) * TOKEN_UNIT / TOKENS_PER_STEP) * TOKENS_PER_STEP;
    double tMax = budget / TOKEN_UNIT;
    double r1 = uniform(rnd, 0.05, 0.15);
    double step = uniform(rnd, 0.5, 0.7) / (ratios - 1);
    double[] grid = new double[ratios];
    for (int i = 0; i < ratios; i++) {
      grid[i] = round3(r1 + i * step);
    }
    double s1 = uniform(rnd, 0.2, 0.4);
    double domainScale = uniform(rnd, 0.25, 0.5);
    double q = uniform(rnd, 0.3, 0.6);
    double s2 = uniform(rnd, 0.35, 0.5);
    double s3 = uniform(rnd, 0.85, 1.0);
    double p = uniform(rnd, 1.5, 2.5);
    TrueFamily family;
    double cmr;
    do {
      double peakRatio = uniform(rnd, grid[0] + 0.5 * step, grid[ratios - 1] - 0.5 * step);
      double height = uniform(rnd, 0.03, 0.09);
      family = new TrueFamily(tMax, s1, domainScale, q, s2, s3, peakRatio, p, height);
      cmr = family.cmr(tMax, epsilon, lambda);
    } while (cmr < grid[0] + 0.25 * step || cmr > grid[ratios - 1] - 0.25 * step);

    String experiment = "synth-" + seed;
    double noise = uniform(rnd, 0.002, 0.005);
    double baseGeneral = uniform(rnd, 2.2, 3.2);
    double baseDomain = uniform(rnd, 1.8, 2.8);
    Instant start = Instant.parse("2026-11-28T00:00:00Z");
    List<SyntheticRun> runs = new ArrayList<>();
    List<LossEvent> events = new ArrayList<>();
    for (double ratio : grid) {
      String run = String.format(Locale.ROOT, "r%03d", Math.round(ratio * 1000));
      Law dom = family.domain(ratio);
      Law gen = family.general(ratio);
      double t0 = Feasibility.criticalPoint(dom, gen, lambda, tMax);
      runs.add(
          new SyntheticRun(
              run,
              ratio,
              dom,
              gen,
              t0 * TOKEN_UNIT,
              Feasibility.feasible(dom, gen, tMax, epsilon, lambda)));
      events.add(
          event(
              experiment,
              run,
              ratio,
              0,
              baseGeneral,
              baseDomain,
              baseGeneral,
              baseDomain,
              budget,
              start));
      int n = 40 + rnd.nextInt(41);
      long previous = 0;
      for (int i = 1; i <= n; i++) {
        // Irregular spacing, denser early: u = ((i + jitter)/n)^1.5.
        double u = Math.pow(Math.max(0.05, i + uniform(rnd, -0.35, 0.35)) / n, 1.5);
        long tokens =
            Math.min(
                budget,
                Math.max(
                    TOKENS_PER_STEP, Math.round(u * budget / TOKENS_PER_STEP) * TOKENS_PER_STEP));
        if (tokens <= previous) {
          continue;
        }
        previous = tokens;
        double t = tokens / TOKEN_UNIT;
        double gl = baseGeneral + gen.value(t) + noisy(rnd, noise);
        double dl = baseDomain + dom.value(t) + noisy(rnd, noise);
        events.add(
            event(
                experiment,
                run,
                ratio,
                tokens,
                gl,
                dl,
                baseGeneral,
                baseDomain,
                budget,
                start.plus(Duration.ofSeconds(tokens / TOKENS_PER_STEP))));
      }
    }
    return new SyntheticExperiment(
        experiment,
        seed,
        budget,
        TOKEN_UNIT,
        epsilon,
        lambda,
        family,
        List.copyOf(runs),
        List.copyOf(events),
        cmr,
        noise);
  }

  // Gaussian noise, with a 2 % chance of an outlier of 6–12 standard deviations.
  private static double noisy(SplittableRandom rnd, double sd) {
    double z = gaussian(rnd);
    if (rnd.nextDouble() < OUTLIER_RATE) {
      z = (rnd.nextBoolean() ? 1 : -1) * uniform(rnd, 6, 12);
    }
    return sd * z;
  }

  static LossEvent event(
      String experiment,
      String run,
      double ratio,
      long tokens,
      double gl,
      double dl,
      double baseGeneral,
      double baseDomain,
      long budget,
      Instant time) {
    long step = tokens / TOKENS_PER_STEP;
    return LossEvent.builder()
        .experiment(experiment)
        .run(run)
        .ratio(ratio)
        .tokens(tokens)
        .step(step)
        .generalLoss(round6(Math.max(0, gl)))
        .domainLoss(round6(Math.max(0, dl)))
        .baseGeneralLoss(round6(baseGeneral))
        .baseDomainLoss(round6(baseDomain))
        .budgetTokens(budget)
        .time(time)
        .eventId(run + "/" + step)
        .build();
  }

  static double uniform(SplittableRandom rnd, double lo, double hi) {
    return lo + (hi - lo) * rnd.nextDouble();
  }

  // Box–Muller (SplittableRandom has no nextGaussian on Java 17).
  static double gaussian(SplittableRandom rnd) {
    double u1 = 1.0 - rnd.nextDouble();
    double u2 = rnd.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  static double round3(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  static double round6(double v) {
    return Math.round(v * 1e6) / 1e6;
  }
}
