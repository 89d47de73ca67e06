package io.cmrwatch.core.synth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class TrueCmrTest {

  private static final double BUDGET = 100;
  private static final double LAMBDA = 1000;

  private static final Shapes.Curve FLAT =
      new Shapes.Curve() {
        @Override
        public double value(double t) {
          return 0;
        }

        @Override
        public double slope(double t) {
          return 0;
        }
      };

  @Test
  void shouldPutT0AtThePeakOfABumpWhenTheDomainLossIsFlat() {
    // dF/dT = λ·dGen'(T): it changes sign exactly at the bump's peak.
    TrueCurves c = new Shapes.Pair(new Shapes.PowerBump(37.5, 0.04, 0.4, 0.9), FLAT);
    assertThat(TrueCmr.t0(c, LAMBDA, BUDGET)).isCloseTo(37.5, within(1e-9));
    assertThat(TrueCmr.turnedOver(c, LAMBDA, BUDGET)).isTrue();
    assertThat(TrueCmr.turnedOver(c, LAMBDA, 37.4)).isFalse();
  }

  @Test
  void shouldPutT0BeforeThePeakWhenTheDomainLossStillFalls() {
    TrueCurves c =
        new Shapes.Pair(
            new Shapes.PowerBump(37.5, 0.04, 0.4, 0.9), new Shapes.PowerDrop(0.3, 0.3, BUDGET));
    double t0 = TrueCmr.t0(c, LAMBDA, BUDGET);
    assertThat(t0).isLessThan(37.5).isGreaterThan(30);
    assertThat(TrueCmr.objectiveSlope(c, LAMBDA, t0 * 0.999)).isPositive();
    assertThat(TrueCmr.objectiveSlope(c, LAMBDA, t0 * 1.001)).isNegative();
  }

  @Test
  void shouldReportZeroWhenTheObjectiveNeverRisesAndInfinityWhenItStillRisesAtTheHorizon() {
    TrueCurves falling = new Shapes.Pair(FLAT, new Shapes.PowerDrop(0.3, 0.3, BUDGET));
    assertThat(TrueCmr.t0(falling, LAMBDA, BUDGET)).isZero();
    TrueCurves rising = new Shapes.Pair(new Shapes.PowerBump(1e9, 0.04, 0.4, 0.9), FLAT);
    assertThat(TrueCmr.t0(rising, LAMBDA, BUDGET)).isInfinite();
    assertThat(TrueCmr.feasible(rising, BUDGET, 1.0, LAMBDA)).isFalse();
  }

  @Test
  void shouldTakeTheLastCrossingWhenTheObjectiveRisesTwice() {
    // Two bumps: the general loss rises, falls, rises again and falls for good after T = 400.
    Shapes.Curve twoBumps = sum(new Shapes.PowerBump(10, 0.02, 0.4, 0.9), bumpAt(400, 300));
    TrueCurves c = new Shapes.Pair(twoBumps, FLAT);
    double t0 = TrueCmr.t0(c, LAMBDA, 1000);
    assertThat(t0).isGreaterThan(300);
    assertThat(TrueCmr.turnedOver(c, LAMBDA, 1000)).isTrue();
    assertThat(TrueCmr.turnedOver(c, LAMBDA, 100)).isFalse();
  }

  @Test
  void shouldFindTheLargestFeasibleRatioWhenFeasibilityIsNotMonotone() {
    // Feasible on (0, 0.3] and [0.5, 0.6]: bumps that peak before the budget there, after it
    // elsewhere.
    TrueCurves early = new Shapes.Pair(new Shapes.PowerBump(50, 0.01, 0.4, 0.9), FLAT);
    TrueCurves late = new Shapes.Pair(new Shapes.PowerBump(200, 0.01, 0.4, 0.9), FLAT);
    TrueCmr.Truth t =
        TrueCmr.cmr(r -> r <= 0.3 || (r >= 0.5 && r <= 0.6) ? early : late, BUDGET, 0.05, LAMBDA);
    assertThat(t.cmr()).isCloseTo(0.6, within(1e-9));
    assertThat(t.monotone()).isFalse();
    assertThat(t.changes()).isEqualTo(3);
  }

  @Test
  void shouldRefineTheBoundaryBetweenGridRatios() {
    // The peak passes the budget at R = 0.4321: T0 = Tp(R) = BUDGET·(R/0.4321)².
    TrueCmr.Truth t =
        TrueCmr.cmr(
            r ->
                new Shapes.Pair(
                    new Shapes.PowerBump(BUDGET * Math.pow(r / 0.4321, 2), 0.01, 0.4, 0.9), FLAT),
            BUDGET,
            0.05,
            LAMBDA);
    assertThat(t.cmr()).isCloseTo(0.4321, within(1e-9));
    assertThat(t.monotone()).isTrue();
    assertThat(t.changes()).isEqualTo(1);
  }

  private static Shapes.Curve bumpAt(double peak, double start) {
    // A bump that starts at T = start: PowerBump shifted in T (zero before it).
    Shapes.PowerBump b = new Shapes.PowerBump(peak - start, 0.05, 0.4, 0.9);
    return new Shapes.Curve() {
      @Override
      public double value(double t) {
        return t <= start ? 0 : b.value(t - start);
      }

      @Override
      public double slope(double t) {
        return t <= start ? 0 : b.slope(t - start);
      }
    };
  }

  private static Shapes.Curve sum(Shapes.Curve a, Shapes.Curve b) {
    return new Shapes.Curve() {
      @Override
      public double value(double t) {
        return a.value(t) + b.value(t);
      }

      @Override
      public double slope(double t) {
        return a.slope(t) + b.slope(t);
      }
    };
  }
}
