package io.cmrwatch.core.fit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cmrwatch.core.law.Law;
import io.cmrwatch.core.law.LawForm;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RobustFitterTest {

  private static final FitOptions DEFAULTS = FitOptions.defaults();

  /** Log-spaced x from lo to hi. */
  static double[] logSpaced(double lo, double hi, int n) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = lo * Math.pow(hi / lo, i / (double) (n - 1));
    }
    return x;
  }

  static double[] sample(Law law, double[] x, double noise, Random rnd) {
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = law.value(x[i]) + noise * rnd.nextGaussian();
    }
    return y;
  }

  static double peak(Law general) {
    double[] p = general.parameters();
    // d/dx (a2·x^s2 + a3·x^s3) = 0  ⇔  x^(s3−s2) = −a2·s2 / (a3·s3)
    return Math.pow(-p[0] * p[1] / (p[2] * p[3]), 1 / (p[3] - p[1]));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "460M, 0.22524761, 0.26944345, -0.48139982, 0.2976",
    "940M, 0.7520627, 0.13720245, -1.06581937, 0.3489",
    "1.6B, -2.36384831, -0.15125569, 1.59223649, 0.4143",
    "3.1B, -2.5368197, -0.42071423, 0.84375368, 0.4783"
  })
  void shouldRecoverThePublishedCmrAtTwentyBillionTokensFromPointsOnThePaperCurve(
      String model, double a4, double s4, double b3, double cmr) {
    Law truth = Law.of(LawForm.CMR, a4, s4, b3);
    double[] t = new double[20];
    double[] r = new double[20];
    for (int i = 0; i < 20; i++) {
      t[i] = 5 * (i + 1);
      r[i] = truth.value(t[i]);
    }
    FitResult fit = RobustFitter.fit(LawForm.CMR, t, r, null, DEFAULTS);
    assertThat(fit.converged()).as(fit.message()).isTrue();
    assertThat(fit.law().value(100)).isCloseTo(cmr, within(0.001));
    assertThat(fit.law().value(100)).isCloseTo(truth.value(100), within(1e-6));
  }

  @Test
  void shouldResistOutliersWherePlainLeastSquaresDoesNot() {
    Law truth = Law.of(LawForm.DOMAIN, -0.25, 0.35, 0.02);
    Random rnd = new Random(7);
    double[] x = logSpaced(0.5, 100, 60);
    double[] y = sample(truth, x, 0.005, rnd);
    for (int i = 5; i < 60; i += 12) {
      y[i] += 0.4;
    }
    FitResult huber = RobustFitter.fit(LawForm.DOMAIN, x, y, null, DEFAULTS);
    FitResult plain = RobustFitter.fit(LawForm.DOMAIN, x, y, null, DEFAULTS.withHuberDelta(1e6));
    assertThat(huber.converged()).as(huber.message()).isTrue();
    double huberErr = maxError(huber.law(), truth, x);
    double plainErr = maxError(plain.law(), truth, x);
    assertThat(huberErr).isLessThan(0.01);
    assertThat(plainErr).isGreaterThan(3 * huberErr);
    assertThat(huber.law().parameter(1)).isCloseTo(0.35, within(0.05));
  }

  private static double maxError(Law fit, Law truth, double[] x) {
    double e = 0;
    for (double v : x) {
      e = Math.max(e, Math.abs(fit.value(v) - truth.value(v)));
    }
    return e;
  }

  @Test
  void shouldRecoverEachFormFromNoisyDataWithOutliers() {
    Random rnd = new Random(11);
    Law[] truths = {
      Law.of(LawForm.DOMAIN, 0.4, -0.3, -0.5),
      Law.of(LawForm.RATIO, 0.3, -0.25, 1.6),
      Law.of(LawForm.CMR, 0.22524761, 0.26944345, -0.48139982),
      Law.of(LawForm.GENERAL, 0.12, 0.35, -0.03, 0.7, 0.0)
    };
    for (Law truth : truths) {
      double[] x = truth.form() == LawForm.RATIO ? logSpaced(0.05, 1, 12) : logSpaced(0.2, 100, 80);
      double[] y = sample(truth, x, 0.002, rnd);
      // A few gross outliers (one in twelve points at most), up and down.
      for (int i = 3; i < x.length; i += 17) {
        y[i] += (i % 2 == 0 ? 0.15 : -0.15);
      }
      FitResult fit = RobustFitter.fit(truth.form(), x, y, null, DEFAULTS);
      assertThat(fit.converged()).as(truth + ": " + fit.message()).isTrue();
      assertThat(maxError(fit.law(), truth, x)).as(truth.toString()).isLessThan(0.004);
      assertThat(fit.stats().r2()).isGreaterThan(0.5);
      assertThat(fit.stats().points()).isEqualTo(x.length);
    }
  }

  @Test
  void shouldFindTheBumpWhenTheDataShowOne() {
    Law truth = Law.of(LawForm.GENERAL, 0.12, 0.35, -0.03, 0.7, 0.0);
    double truePeak = peak(truth);
    assertThat(truePeak).isBetween(5.0, 10.0);
    Random rnd = new Random(3);
    double[] x = logSpaced(0.1, 100, 80);
    double[] y = sample(truth, x, 0.003, rnd);
    FitResult fit = RobustFitter.fit(LawForm.GENERAL, x, y, null, DEFAULTS);
    assertThat(fit.converged()).as(fit.message()).isTrue();
    assertThat(fit.law().parameter(2)).as(fit.message()).isNegative();
    assertThat(peak(fit.law())).isCloseTo(truePeak, within(0.25 * truePeak));
    assertThat(fit.message()).contains("bump");
  }

  @ParameterizedTest(name = "a={0} s={1}")
  @CsvSource({"0.05, 0.3", "-0.02, 0.5", "0.3, -0.4", "-0.1, -0.8"})
  void shouldNotInventABumpInMonotoneData(double a, double s) {
    Law truth = Law.of(LawForm.GENERAL, a, s, 0, s, 0.01);
    for (int seed = 0; seed < 5; seed++) {
      Random rnd = new Random(seed);
      double[] x = logSpaced(0.2, 100, 60);
      double[] y = sample(truth, x, 0.003, rnd);
      FitResult fit = RobustFitter.fit(LawForm.GENERAL, x, y, null, DEFAULTS);
      assertThat(fit.converged()).as(fit.message()).isTrue();
      assertThat(fit.law().parameter(2))
          .as("seed %d: %s %s", seed, fit.law(), fit.message())
          .isZero();
      assertThat(fit.law().parameter(3)).isEqualTo(fit.law().parameter(1));
      assertThat(fit.standardErrors()[2]).isZero();
    }
  }

  @Test
  void shouldKeepParametersInsideThePhysicalBounds() {
    // Rising "domain" data: the physical domain law cannot rise, so it must sit on a bound, not
    // leave the boxes.
    double[] x = logSpaced(1, 50, 30);
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = 0.1 * Math.pow(x[i], 0.5);
    }
    FitResult fit = RobustFitter.fit(LawForm.DOMAIN, x, y, null, DEFAULTS);
    double a = fit.law().parameter(0);
    double s = fit.law().parameter(1);
    boolean fallingConcave = a <= 0 && s > 0 && s <= 1;
    boolean fallingDecay = a >= 0 && s < 0;
    assertThat(fallingConcave || fallingDecay).as(fit.law().toString()).isTrue();

    FitOptions box = DEFAULTS.withBounds(new double[] {0, 0.1, -1}, new double[] {0.05, 0.2, 1});
    FitResult boxed = RobustFitter.fit(LawForm.CMR, x, y, null, box);
    double[] p = boxed.law().parameters();
    assertThat(p[0]).isBetween(0.0, 0.05);
    assertThat(p[1]).isBetween(0.1, 0.2);
    assertThat(p[2]).isBetween(-1.0, 1.0);
  }

  @Test
  void shouldReachTheColdLossWithAWarmRefit() {
    Law truth = Law.of(LawForm.GENERAL, 0.12, 0.35, -0.03, 0.7, 0.0);
    Random rnd = new Random(5);
    double[] x = logSpaced(0.1, 100, 120);
    double[] y = sample(truth, x, 0.003, rnd);
    int early = 100;
    FitResult previous =
        RobustFitter.fit(
            LawForm.GENERAL,
            java.util.Arrays.copyOf(x, early),
            java.util.Arrays.copyOf(y, early),
            null,
            DEFAULTS);
    FitResult cold = RobustFitter.fit(LawForm.GENERAL, x, y, null, DEFAULTS);
    FitResult warm = RobustFitter.refit(LawForm.GENERAL, x, y, null, previous.law(), DEFAULTS);
    assertThat(warm.converged()).as(warm.message()).isTrue();
    assertThat(warm.stats().robustLoss())
        .isCloseTo(cold.stats().robustLoss(), within(1e-9 * cold.stats().robustLoss()));
    assertThat(warm.evaluations()).isLessThan(cold.evaluations());
  }

  @Test
  void shouldRejectNonFiniteInputWithAClearError() {
    double[] x = {1, 2, 3, 4};
    assertThatThrownBy(
            () ->
                RobustFitter.fit(
                    LawForm.DOMAIN, x, new double[] {1, Double.NaN, 3, 4}, null, DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("y[1] = NaN");
    assertThatThrownBy(
            () ->
                RobustFitter.fit(
                    LawForm.DOMAIN,
                    new double[] {1, 2, Double.POSITIVE_INFINITY, 4},
                    new double[] {1, 2, 3, 4},
                    null,
                    DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x[2] = Infinity");
    assertThatThrownBy(
            () ->
                RobustFitter.fit(
                    LawForm.DOMAIN,
                    new double[] {1, 0, 3, 4},
                    new double[] {1, 2, 3, 4},
                    null,
                    DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x[1] = 0.0");
    assertThatThrownBy(
            () ->
                RobustFitter.fit(
                    LawForm.DOMAIN,
                    x,
                    new double[] {1, 2, 3, 4},
                    new double[] {1, -1, 1, 1},
                    DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("weights[1]");
    assertThatThrownBy(
            () -> RobustFitter.fit(LawForm.DOMAIN, x, new double[] {1, 2}, null, DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("same length");
  }

  @Test
  void shouldReportTooFewPointsWithoutThrowing() {
    FitResult single =
        RobustFitter.fit(LawForm.GENERAL, new double[] {1}, new double[] {0.1}, null, DEFAULTS);
    assertThat(single.converged()).isFalse();
    assertThat(single.law()).isNull();
    assertThat(single.message()).contains("too few points");
    FitResult zeroWeight =
        RobustFitter.fit(
            LawForm.CMR,
            new double[] {1, 2, 3},
            new double[] {0.1, 0.2, 0.3},
            new double[] {1, 1, 0},
            DEFAULTS);
    assertThat(zeroWeight.ok()).isFalse();
    assertThat(zeroWeight.message()).contains("2 point(s)");
  }

  @Test
  void shouldFitConstantDataWithoutCrashing() {
    double[] x = logSpaced(1, 100, 20);
    double[] y = new double[20];
    java.util.Arrays.fill(y, 0.3);
    for (LawForm form : LawForm.values()) {
      FitResult fit = RobustFitter.fit(form, x, y, null, DEFAULTS);
      assertThat(fit.law()).as(form.id()).isNotNull();
      assertThat(fit.law().value(50)).as(form.id()).isCloseTo(0.3, within(1e-6));
      assertThat(fit.stats().r2()).isNaN();
    }
  }

  @Test
  void shouldGiveStandardErrorsThatMatchTheSpreadOverRepeatedNoise() {
    Law truth = Law.of(LawForm.DOMAIN, -0.25, 0.35, 0.02);
    double[] x = logSpaced(0.5, 100, 40);
    int n = 150;
    double[] s = new double[n];
    double seSum = 0;
    for (int k = 0; k < n; k++) {
      double[] y = sample(truth, x, 0.01, new Random(100 + k));
      FitResult fit = RobustFitter.fit(LawForm.DOMAIN, x, y, null, DEFAULTS);
      s[k] = fit.law().parameter(1);
      seSum += fit.standardErrors()[1];
    }
    double mean = java.util.Arrays.stream(s).average().orElseThrow();
    double sd =
        Math.sqrt(java.util.Arrays.stream(s).map(v -> (v - mean) * (v - mean)).sum() / (n - 1));
    assertThat(seSum / n).isCloseTo(sd, within(0.3 * sd));
  }

  @Test
  void shouldReachTheSameLossWithEitherEngine() {
    Random rnd = new Random(21);
    double[] x = logSpaced(0.5, 100, 50);
    for (Law truth :
        new Law[] {
          Law.of(LawForm.DOMAIN, -0.25, 0.35, 0.02), Law.of(LawForm.CMR, 0.75, 0.14, -1.07)
        }) {
      double[] y = sample(truth, x, 0.004, rnd);
      y[7] += 0.2;
      FitResult builtIn = RobustFitter.fit(truth.form(), x, y, null, DEFAULTS);
      FitResult hipparchus =
          RobustFitter.fit(
              truth.form(), x, y, null, DEFAULTS.withEngine(FitOptions.Engine.HIPPARCHUS));
      assertThat(hipparchus.converged()).as(hipparchus.message()).isTrue();
      assertThat(builtIn.stats().robustLoss())
          .isLessThanOrEqualTo(hipparchus.stats().robustLoss() * (1 + 1e-9));
      assertThat(builtIn.stats().robustLoss())
          .isCloseTo(
              hipparchus.stats().robustLoss(), within(1e-6 * hipparchus.stats().robustLoss()));
    }
  }

  @Test
  void shouldUseWeightsAsPointCounts() {
    // Three points of weight 2 fit exactly like the same three points given twice each.
    Random rnd = new Random(4);
    Law truth = Law.of(LawForm.CMR, 0.3, 0.25, -0.5);
    double[] x = logSpaced(1, 100, 12);
    double[] y = sample(truth, x, 0.01, rnd);
    double[] w = new double[12];
    java.util.Arrays.fill(w, 2.0);
    double[] x2 = new double[24];
    double[] y2 = new double[24];
    for (int i = 0; i < 12; i++) {
      x2[2 * i] = x[i];
      x2[2 * i + 1] = x[i];
      y2[2 * i] = y[i];
      y2[2 * i + 1] = y[i];
    }
    FitOptions fixed = DEFAULTS.withHuberDelta(0.01);
    FitResult weighted = RobustFitter.fit(LawForm.CMR, x, y, w, fixed);
    FitResult doubled = RobustFitter.fit(LawForm.CMR, x2, y2, null, fixed);
    assertThat(weighted.stats().robustLoss())
        .isCloseTo(doubled.stats().robustLoss(), within(1e-12));
    assertThat(weighted.law().value(100)).isCloseTo(doubled.law().value(100), within(1e-8));
  }
}
