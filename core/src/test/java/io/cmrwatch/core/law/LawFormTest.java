package io.cmrwatch.core.law;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LawFormTest {

  /**
   * The paper's published CMR laws (T in units of 0.2 B tokens) evaluated at a 20 B-token budget (T
   * = 100).
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "460M, 0.22524761, 0.26944345, -0.48139982, 0.2976",
    "940M, 0.7520627, 0.13720245, -1.06581937, 0.3489",
    "1.6B, -2.36384831, -0.15125569, 1.59223649, 0.4143",
    "3.1B, -2.5368197, -0.42071423, 0.84375368, 0.4783"
  })
  void shouldReproducePublishedCmrAtTwentyBillionTokens(
      String model, double a4, double s4, double b3, double cmr) {
    assertThat(Law.of(LawForm.CMR, a4, s4, b3).value(100.0)).isCloseTo(cmr, within(0.0001));
  }

  @Test
  void shouldDifferentiateTheTwoTermGeneralLaw() {
    double[] p = {0.08, 0.5, -0.01, 1.2, 0.0};
    Law law = Law.of(LawForm.GENERAL, p);
    double x = 3.7;
    double h = 1e-6;
    double numeric = (law.value(x + h) - law.value(x - h)) / (2 * h);
    assertThat(law.derivative(x)).isCloseTo(numeric, within(1e-7));
  }

  @Test
  void shouldGiveParameterGradientMatchingFiniteDifferences() {
    double[] p = {0.08, 0.5, -0.01, 1.2, 0.3};
    double x = 2.5;
    double[] g = new double[5];
    LawForm.GENERAL.parameterGradient(x, p, g);
    for (int i = 0; i < p.length; i++) {
      double[] hi = p.clone();
      double[] lo = p.clone();
      hi[i] += 1e-6;
      lo[i] -= 1e-6;
      double numeric = (LawForm.GENERAL.value(x, hi) - LawForm.GENERAL.value(x, lo)) / 2e-6;
      assertThat(g[i])
          .as("d/d%s", LawForm.GENERAL.parameterNames().get(i))
          .isCloseTo(numeric, within(1e-6));
    }
  }

  @Test
  void shouldRejectWrongParameterCountAndNonFiniteValues() {
    assertThatThrownBy(() -> Law.of(LawForm.DOMAIN, 1, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("takes 3 parameters");
    assertThatThrownBy(() -> Law.of(LawForm.DOMAIN, 1, Double.NaN, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("finite");
    assertThatThrownBy(() -> LawForm.byId("cubic"))
        .hasMessageContaining("use domain, general, ratio or cmr");
  }
}
