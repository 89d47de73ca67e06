package io.cmrwatch.core.cmr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cmrwatch.core.law.Law;
import io.cmrwatch.core.law.LawForm;
import org.junit.jupiter.api.Test;

class CriticalPointTest {

  private static final double LAMBDA = 1000;
  // Learning domain law and a general bump: dGen = 0.02·T^0.4 − 0.0015·T^0.9, peak at T =
  // (0.008/0.00135)^2 ≈ 35.1.
  private static final Law DOMAIN = Law.of(LawForm.DOMAIN, -0.08, 0.3, 0.0);
  private static final Law BUMP = Law.of(LawForm.GENERAL, 0.02, 0.4, -0.0015, 0.9, 0.0);

  private static double g(Law d, Law gen, double t) {
    return CriticalPoint.slope(d.parameters(), gen.parameters(), LAMBDA, t);
  }

  @Test
  void shouldFindTheLastCrossingJustBeforeTheGeneralLossPeak() {
    double peak = Math.pow((0.02 * 0.4) / (0.0015 * 0.9), 1 / (0.9 - 0.4));
    double t0 = CriticalPoint.t0(DOMAIN, BUMP, LAMBDA, 1e5);
    assertThat(t0).isLessThan(peak).isGreaterThan(0.9 * peak);
    assertThat(Math.abs(g(DOMAIN, BUMP, t0))).isLessThan(1e-9);
    assertThat(g(DOMAIN, BUMP, t0 * 0.999)).isPositive();
    assertThat(g(DOMAIN, BUMP, t0 * 1.001)).isNegative();
    // For large λ, T0 tends to the peak.
    assertThat(CriticalPoint.t0(DOMAIN, BUMP, 1e7, 1e5)).isCloseTo(peak, within(peak * 1e-3));
  }

  @Test
  void shouldIgnoreTheEarlyNegativeStretchWhenTheDomainExponentIsSmaller() {
    // Domain exponent 0.1 < 0.4: dF/dT < 0 at tiny T, positive in the bump, negative after it.
    Law domain = Law.of(LawForm.DOMAIN, -5.0, 0.1, 0.0);
    double t0 = CriticalPoint.t0(domain, BUMP, LAMBDA, 1e5);
    assertThat(g(domain, BUMP, 1e-6)).isNegative();
    assertThat(t0).isGreaterThan(10);
    assertThat(g(domain, BUMP, t0 * 1.01)).isNegative();
    assertThat(g(domain, BUMP, t0 * 0.99)).isPositive();
  }

  @Test
  void shouldBeZeroWithoutABump() {
    Law falling = Law.of(LawForm.GENERAL, -0.01, 0.5, -0.001, 1.0, 0.0);
    assertThat(CriticalPoint.t0(DOMAIN, falling, LAMBDA, 1e5)).isZero();
  }

  @Test
  void shouldBeZeroForConstantLosses() {
    Law flatDomain = Law.of(LawForm.DOMAIN, 0.0, 0.5, 0.0);
    Law flatGeneral = Law.of(LawForm.GENERAL, 0.0, 0.5, 0.0, 1.0, 0.0);
    assertThat(CriticalPoint.t0(flatDomain, flatGeneral, LAMBDA, 1e5)).isZero();
  }

  @Test
  void shouldBeInfiniteWhenTheBumpNeverTurnsOverWithinTheHorizon() {
    Law rising = Law.of(LawForm.GENERAL, 0.02, 0.4, 0.0, 0.9, 0.0);
    assertThat(CriticalPoint.t0(DOMAIN, rising, LAMBDA, 1e5)).isInfinite();
    // A bump peaking at ~3.5e7 units, beyond a 1e5 horizon.
    Law late = Law.of(LawForm.GENERAL, 0.02, 0.4, -0.0000015, 0.9, 0.0);
    assertThat(CriticalPoint.t0(DOMAIN, late, LAMBDA, 1e5)).isInfinite();
  }

  @Test
  void shouldGiveTheSensitivityOfT0ToEachParameter() {
    double t0 = CriticalPoint.t0(DOMAIN, BUMP, LAMBDA, 1e5);
    double[] dd = new double[3];
    double[] dg = new double[5];
    assertThat(CriticalPoint.gradient(DOMAIN, BUMP, LAMBDA, t0, dd, dg)).isTrue();
    for (int i = 0; i < 5; i++) {
      double[] p = BUMP.parameters();
      double h = 1e-6 * Math.max(1e-3, Math.abs(p[i]));
      double[] up = p.clone();
      double[] down = p.clone();
      up[i] += h;
      down[i] -= h;
      double numeric =
          (CriticalPoint.t0(DOMAIN, new Law(LawForm.GENERAL, up), LAMBDA, 1e5)
                  - CriticalPoint.t0(DOMAIN, new Law(LawForm.GENERAL, down), LAMBDA, 1e5))
              / (2 * h);
      assertThat(dg[i])
          .as("dT0/d%s", LawForm.GENERAL.parameterNames().get(i))
          .isCloseTo(numeric, within(1e-4 * Math.max(1, Math.abs(numeric))));
    }
    for (int i = 0; i < 2; i++) {
      double[] p = DOMAIN.parameters();
      double h = 1e-6 * Math.abs(p[i]);
      double[] up = p.clone();
      double[] down = p.clone();
      up[i] += h;
      down[i] -= h;
      double numeric =
          (CriticalPoint.t0(new Law(LawForm.DOMAIN, up), BUMP, LAMBDA, 1e5)
                  - CriticalPoint.t0(new Law(LawForm.DOMAIN, down), BUMP, LAMBDA, 1e5))
              / (2 * h);
      assertThat(dd[i]).isCloseTo(numeric, within(1e-4 * Math.max(1, Math.abs(numeric))));
    }
  }

  @Test
  void shouldDecideFeasibilityFromToleranceAndTurnOver() {
    double t0 = CriticalPoint.t0(DOMAIN, BUMP, LAMBDA, 1e5);
    double budget = 80;
    assertThat(BUMP.value(budget)).isLessThan(0.05);
    assertThat(Feasibility.feasible(DOMAIN, BUMP, budget, 0.05, LAMBDA)).isTrue();
    assertThat(Feasibility.feasible(DOMAIN, BUMP, t0 * 0.99, 0.05, LAMBDA)).isFalse();
    assertThat(Feasibility.feasible(DOMAIN, BUMP, budget, BUMP.value(budget) * 0.99, LAMBDA))
        .isFalse();
  }
}
