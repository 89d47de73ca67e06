package io.cmrwatch.core.synth;

import static io.cmrwatch.core.synth.SyntheticGenerator.uniform;

import java.util.SplittableRandom;

/**
 * Family {@code amplitude-noise}: a smooth trend across R of the project's own form (as {@link
 * TrueFamily}: a bump peaking at T_max·(R/Rp)^p, with height Hp·(Tp/T_max)^s3, and a power-law
 * domain drop D·R^q), and run-level noise around it: run k's general curve is the trend's times 1 +
 * 0.15·z_k and its domain curve the trend's times 1 + 0.15·z'_k (z, z' standard normal truncated at
 * ±2.5, so the factors stay within 0.625–1.375). The noise scales a run's curve; its peak stays
 * where the trend has it. The truth is the trend's CMR — what repeated runs at one ratio would
 * average to — while each run's own feasibility follows its own curves, as repeated training runs
 * at one ratio would differ.
 */
final class AmplitudeNoiseFamily extends DesignedFamily {

  /** Relative standard deviation of a run's amplitudes around the trend. */
  static final double AMPLITUDE_NOISE = 0.15;

  AmplitudeNoiseFamily() {
    super(
        "amplitude-noise",
        "15 % run-level noise on each run's general and domain amplitudes around a smooth trend"
            + " (truth: the trend); varied design");
  }

  @Override
  Model draw(SplittableRandom rnd, Grid grid) {
    double budget = grid.budget();
    double rp = grid.inner(rnd);
    double p = uniform(rnd, 1.5, 2.5);
    double hp = uniform(rnd, 0.03, 0.09);
    double s1 = uniform(rnd, 0.2, 0.4);
    double s2 = uniform(rnd, 0.35, 0.5);
    double s3 = uniform(rnd, 0.85, 1.0);
    double d = uniform(rnd, 0.25, 0.5);
    double q = uniform(rnd, 0.3, 0.6);
    int m = grid.size();
    double[] general = new double[m];
    double[] domain = new double[m];
    for (int k = 0; k < m; k++) {
      general[k] = 1 + AMPLITUDE_NOISE * truncatedGaussian(rnd, 2.5);
      domain[k] = 1 + AMPLITUDE_NOISE * truncatedGaussian(rnd, 2.5);
    }
    return new Model() {
      @Override
      public TrueCurves trend(double ratio) {
        return pair(ratio, 1, 1);
      }

      @Override
      public TrueCurves run(int index, double ratio) {
        return pair(ratio, general[index], domain[index]);
      }

      private TrueCurves pair(double ratio, double g, double dd) {
        double peak = budget * Math.pow(ratio / rp, p);
        double height = hp * Math.pow(peak / budget, s3);
        return new Shapes.Pair(
            new Shapes.Scaled(new Shapes.PowerBump(peak, height, s2, s3), g),
            new Shapes.Scaled(new Shapes.PowerDrop(d * Math.pow(ratio, q), s1, budget), dd));
      }
    };
  }
}
