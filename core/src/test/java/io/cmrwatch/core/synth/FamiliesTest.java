package io.cmrwatch.core.synth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cmrwatch.core.event.LossEvent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class FamiliesTest {

  // Several tests look at the same seeds: draw each experiment once.
  private static final Map<String, FamilyExperiment> DRAWN = new ConcurrentHashMap<>();

  static FamilyExperiment drawn(String family, long seed) {
    return DRAWN.computeIfAbsent(family + "/" + seed, k -> Families.named(family).generate(seed));
  }

  static List<String> families() {
    return Families.names();
  }

  static List<String> designedFamilies() {
    return Families.names().stream().filter(n -> !n.equals("power")).toList();
  }

  @Test
  void shouldListTheFamiliesThatDifferInFormAndRefuseAnUnknownName() {
    assertThat(Families.names())
        .containsExactly(
            "power",
            "power-design",
            "drift",
            "amplitude-noise",
            "nonpower",
            "exp-recovery",
            "no-turnover");
    assertThatThrownBy(() -> Families.named("powr"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown family 'powr'")
        .hasMessageContaining("no-turnover");
  }

  @ParameterizedTest
  @MethodSource("families")
  void shouldBeDeterministicPerSeed(String name) {
    LawFamily f = Families.named(name);
    FamilyExperiment a = f.generate(42);
    FamilyExperiment b = f.generate(42);
    FamilyExperiment c = f.generate(43);
    assertThat(a.events()).isEqualTo(b.events());
    assertThat(a.trueCmr()).isEqualTo(b.trueCmr());
    assertThat(a.design()).isEqualTo(b.design());
    assertThat(a.experiment())
        .isEqualTo(b.experiment())
        .startsWith(name.equals("power") ? "synth" : name);
    assertThat(c.events()).isNotEqualTo(a.events());
  }

  @Test
  void shouldKeepThePowerFamilyIdenticalToTheGeneratorWithTheSameTruth() {
    for (long seed = 0; seed < 40; seed++) {
      SyntheticExperiment old = new SyntheticGenerator().generate(seed);
      FamilyExperiment e = drawn("power", seed);
      assertThat(e.events()).isEqualTo(old.events());
      assertThat(e.trueCmr()).as("seed %d", seed).isCloseTo(old.trueCmr(), within(1e-6));
      assertThat(e.design().noise()).isEqualTo(old.noise());
      for (int k = 0; k < old.runs().size(); k++) {
        assertThat(e.runs().get(k).trueFeasible()).isEqualTo(old.runs().get(k).trueFeasible());
        assertThat(e.runs().get(k).trueT0())
            .isCloseTo(old.runs().get(k).trueT0(), within(1e-6 * old.runs().get(k).trueT0()));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("families")
  void shouldPutTheTruthOnTheBoundaryOfTheFeasibleRatiosByAnIndependentCheck(String name) {
    LawFamily f = Families.named(name);
    for (long seed = 0; seed < 25; seed++) {
      FamilyExperiment e = drawn(f.name(), seed);
      double cmr = e.trueCmr();
      double b = e.budget();
      DoubleFunction<TrueCurves> trend = e.trend();
      assertThat(bruteFeasible(trend.apply(cmr - 1e-4), b, e.epsilon(), e.lambda()))
          .as("%s seed %d: feasible just below the truth %.5f", name, seed, cmr)
          .isTrue();
      assertThat(bruteFeasible(trend.apply(cmr + 1e-4), b, e.epsilon(), e.lambda()))
          .as("%s seed %d: infeasible just above the truth %.5f", name, seed, cmr)
          .isFalse();
      // Nothing feasible further up either (the truth is the largest feasible ratio).
      for (double r = cmr + 0.01; r <= 1; r += 0.01) {
        assertThat(bruteFeasible(trend.apply(r), b, e.epsilon(), e.lambda()))
            .as("%s seed %d R %.2f", name, seed, r)
            .isFalse();
      }
    }
  }

  @ParameterizedTest
  @MethodSource("families")
  void shouldKeepTheTruthStrictlyInsideTheTrainedRatiosAndRunsTrueToTheirCurves(String name) {
    LawFamily f = Families.named(name);
    for (long seed = 0; seed < 60; seed++) {
      FamilyExperiment e = drawn(f.name(), seed);
      List<TrueRun> runs = e.runs();
      double step = runs.get(1).ratio() - runs.get(0).ratio();
      assertThat(e.trueCmr())
          .as("%s seed %d", name, seed)
          .isGreaterThan(runs.get(0).ratio() + 0.2 * step)
          .isLessThan(runs.get(runs.size() - 1).ratio() - 0.2 * step);
      assertThat(e.feasibilityMonotone()).as("%s seed %d", name, seed).isTrue();
      for (TrueRun r : runs) {
        TrueCurves c = r.curves();
        assertThat(r.trueFeasible())
            .isEqualTo(bruteFeasible(c, e.budget(), e.epsilon(), e.lambda()));
        if (!name.equals("amplitude-noise")) {
          // The runs lie on the trend, so a run is feasible exactly when it is at or below the CMR.
          assertThat(r.trueFeasible())
              .as("%s seed %d run %s", name, seed, r.run())
              .isEqualTo(r.ratio() <= e.trueCmr());
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("families")
  void shouldGiveSlopesThatAreTheDerivativesOfTheCurves(String name) {
    FamilyExperiment e = drawn(name, 5);
    double b = e.budget();
    for (TrueRun r : e.runs()) {
      for (double t = 1e-3 * b; t <= 20 * b; t *= 1.7) {
        TrueCurves c = r.curves();
        double h = 1e-5 * t;
        double g = (c.general(t + h) - c.general(t - h)) / (2 * h);
        double d = (c.domain(t + h) - c.domain(t - h)) / (2 * h);
        assertThat(c.generalSlope(t)).isCloseTo(g, within(1e-5 * Math.abs(g) + 1e-12));
        assertThat(c.domainSlope(t)).isCloseTo(d, within(1e-5 * Math.abs(d) + 1e-12));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("designedFamilies")
  void shouldVaryTheDesignWithinItsRanges(String name) {
    LawFamily f = Families.named(name);
    Set<Integer> ratioCounts = new HashSet<>();
    int fewest = Integer.MAX_VALUE;
    int most = 0;
    double quietest = 1;
    double noisiest = 0;
    for (long seed = 0; seed < 60; seed++) {
      FamilyExperiment e = drawn(f.name(), seed);
      Design d = e.design();
      ratioCounts.add(d.ratios());
      assertThat(e.runs()).hasSize(d.ratios());
      assertThat(d.noise()).isBetween(0.001, 0.01);
      assertThat(d.outlierRate()).isBetween(0.01, 0.05);
      assertThat(e.budgetTokens()).isBetween(8_000_000_000L, 32_000_000_000L);
      for (TrueRun r : e.runs()) {
        List<Long> tokens =
            e.events().stream()
                .filter(ev -> ev.run().equals(r.run()))
                .map(LossEvent::tokens)
                .toList();
        assertThat(tokens.get(0)).isZero();
        assertThat(tokens).isSorted().doesNotHaveDuplicates();
        assertThat(tokens.get(tokens.size() - 1)).isEqualTo(e.budgetTokens());
        assertThat(tokens.size() - 1).isEqualTo(r.evaluations()).isBetween(20, 200);
        // Irregular: gaps of very different sizes that neither only grow nor only shrink.
        long minGap = Long.MAX_VALUE;
        long maxGap = 0;
        boolean grows = false;
        boolean shrinks = false;
        for (int i = 2; i < tokens.size(); i++) {
          long gap = tokens.get(i) - tokens.get(i - 1);
          minGap = Math.min(minGap, gap);
          maxGap = Math.max(maxGap, gap);
          if (i > 2) {
            long before = tokens.get(i - 1) - tokens.get(i - 2);
            grows |= gap > before;
            shrinks |= gap < before;
          }
        }
        assertThat(maxGap).isGreaterThanOrEqualTo(2 * minGap);
        assertThat(grows && shrinks).isTrue();
      }
      fewest = Math.min(fewest, d.minEvaluations());
      most = Math.max(most, d.maxEvaluations());
      quietest = Math.min(quietest, d.noise());
      noisiest = Math.max(noisiest, d.noise());
    }
    assertThat(ratioCounts).containsExactlyInAnyOrder(4, 6, 10);
    assertThat(fewest).isLessThan(30);
    assertThat(most).isGreaterThan(150);
    assertThat(quietest).isLessThan(0.0015);
    assertThat(noisiest).isGreaterThan(0.007);
  }

  @ParameterizedTest
  @MethodSource("families")
  void shouldDrawGaussianNoiseWithOutliersAtTheDeclaredRate(String name) {
    LawFamily f = Families.named(name);
    // Residuals of both losses against the true curves, in units of σ, pooled over experiments.
    double expectedOutliers = 0;
    int outliers = 0;
    int count = 0;
    double sumSquares = 0;
    int inliers = 0;
    for (long seed = 0; seed < 30; seed++) {
      FamilyExperiment e = drawn(f.name(), seed);
      double sd = e.design().noise();
      double baseGeneral = e.events().get(0).baseGeneralLoss();
      double baseDomain = e.events().get(0).baseDomainLoss();
      for (TrueRun r : e.runs()) {
        for (LossEvent ev : e.events()) {
          if (!ev.run().equals(r.run()) || ev.tokens() == 0) {
            continue;
          }
          double t = ev.tokens() / e.tokenUnit();
          for (double z :
              new double[] {
                (ev.generalLoss() - baseGeneral - r.curves().general(t)) / sd,
                (ev.domainLoss() - baseDomain - r.curves().domain(t)) / sd
              }) {
            count++;
            expectedOutliers += e.design().outlierRate();
            if (Math.abs(z) > 5.5) {
              outliers++;
              assertThat(Math.abs(z)).isBetween(5.9, 12.1);
            } else {
              inliers++;
              sumSquares += z * z;
            }
          }
        }
      }
    }
    // Outliers: binomial, within 4 standard deviations of the declared rate (a Gaussian draw beyond
    // 5.5 σ is too rare to matter).
    double sdOutliers = Math.sqrt(expectedOutliers);
    assertThat((double) outliers).isCloseTo(expectedOutliers, within(4 * sdOutliers + 1));
    // The inliers' standard deviation is σ (the 1e-6 rounding of the losses is far below σ).
    assertThat(Math.sqrt(sumSquares / inliers)).isCloseTo(1.0, within(0.05));
    assertThat(count).isGreaterThan(1000);
  }

  @Test
  void shouldDriftTheExponentsAcrossTheRatios() {
    LawFamily f = Families.named("drift");
    int drifting = 0;
    for (long seed = 0; seed < 30; seed++) {
      FamilyExperiment e = drawn(f.name(), seed);
      double t = 1e-6 * e.budget();
      List<TrueRun> runs = e.runs();
      // At small T the general loss is ≈ a2·T^s2: its log-log slope is s2(R).
      double low = logSlope(runs.get(0).curves(), t);
      double high = logSlope(runs.get(runs.size() - 1).curves(), t);
      assertThat(low).isBetween(0.15, 0.6);
      assertThat(high).isBetween(0.15, 0.6);
      if (Math.abs(high - low) > 0.05) {
        drifting++;
      }
    }
    assertThat(drifting).isGreaterThanOrEqualTo(25);
  }

  @Test
  void shouldScatterRunAmplitudesByFifteenPercentAroundTheTrend() {
    LawFamily f = Families.named("amplitude-noise");
    List<Double> factors = new ArrayList<>();
    int offTrend = 0;
    for (long seed = 0; seed < 60; seed++) {
      FamilyExperiment e = drawn(f.name(), seed);
      for (TrueRun r : e.runs()) {
        TrueCurves trend = e.trend().apply(r.ratio());
        double b = e.budget();
        double g = r.curves().general(0.3 * b) / trend.general(0.3 * b);
        // One factor per run and curve: the same at every T.
        assertThat(r.curves().general(2.0 * b) / trend.general(2.0 * b)).isCloseTo(g, within(1e-9));
        double d = r.curves().domain(0.5 * b) / trend.domain(0.5 * b);
        factors.add(g);
        factors.add(d);
        if (r.trueFeasible() != (r.ratio() <= e.trueCmr())) {
          offTrend++;
        }
      }
    }
    assertThat(factors).allSatisfy(x -> assertThat(x).isBetween(0.625, 1.375));
    double mean = factors.stream().mapToDouble(x -> x).average().orElseThrow();
    double sd =
        Math.sqrt(
            factors.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / factors.size());
    assertThat(mean).isCloseTo(1.0, within(0.02));
    // σ = 0.15 truncated at 2.5 σ: 0.148.
    assertThat(sd).isCloseTo(0.148, within(0.015));
    // The noise is big enough that some runs' own feasibility disagrees with the trend's.
    assertThat(offTrend).isPositive();
  }

  @Test
  void shouldMoveTheNonPowerPeakInAWayNoPowerLawFollows() {
    LawFamily f = Families.named("nonpower");
    int curved = 0;
    for (long seed = 0; seed < 30; seed++) {
      FamilyExperiment e = drawn(f.name(), seed);
      List<TrueRun> runs = e.runs();
      // Elasticity d ln Tp / d ln R between neighbouring runs: a power law has one.
      double least = Double.POSITIVE_INFINITY;
      double most = 0;
      for (int k = 1; k < runs.size(); k++) {
        double el = elasticity(runs.get(k - 1), runs.get(k), e.budget());
        assertThat(el).isPositive();
        least = Math.min(least, el);
        most = Math.max(most, el);
      }
      if (most / least > 1.5) {
        curved++;
      }
    }
    assertThat(curved).isGreaterThanOrEqualTo(25);
  }

  @Test
  void shouldKeepTheHighestSharesRisingThroughTenTimesTheBudget() {
    LawFamily f = Families.named("no-turnover");
    for (long seed = 0; seed < 40; seed++) {
      FamilyExperiment e = drawn(f.name(), seed);
      List<TrueRun> runs = e.runs();
      int rising = NoTurnoverFamily.risingRuns(runs.size());
      for (int k = 0; k < runs.size(); k++) {
        TrueRun r = runs.get(k);
        boolean risesThroughout = true;
        for (double t = 1e-4 * e.budget(); t <= 10 * e.budget(); t *= 1.005) {
          if (r.curves().generalSlope(t) <= 0) {
            risesThroughout = false;
            break;
          }
        }
        if (k >= runs.size() - rising) {
          assertThat(risesThroughout).as("seed %d run %s", seed, r.run()).isTrue();
          assertThat(r.trueFeasible()).isFalse();
        } else if (r.trueFeasible()) {
          assertThat(risesThroughout).isFalse();
        }
      }
    }
  }

  /**
   * Feasibility by a scan independent of {@link TrueCmr}: dGen(T_max) ≤ ε and dF/dT ≤ 0 on a grid
   * of 1000 points per decade from T_max to 1000 × T_max.
   */
  static boolean bruteFeasible(TrueCurves c, double budget, double epsilon, double lambda) {
    if (c.general(budget) > epsilon) {
      return false;
    }
    for (int j = 0; j <= 3000; j++) {
      double t = budget * Math.pow(10, j / 1000.0);
      if (c.domainSlope(t) + lambda * c.generalSlope(t) > 0) {
        return false;
      }
    }
    return true;
  }

  private static double logSlope(TrueCurves c, double t) {
    return t * c.generalSlope(t) / c.general(t);
  }

  private static double elasticity(TrueRun a, TrueRun b, double budget) {
    return Math.log(peak(b.curves(), budget) / peak(a.curves(), budget))
        / Math.log(b.ratio() / a.ratio());
  }

  // The general curve's peak: where its slope changes sign (bisection in ln T).
  private static double peak(TrueCurves c, double budget) {
    double lo = 1e-8 * budget;
    double hi = 1e8 * budget;
    for (int i = 0; i < 200; i++) {
      double mid = Math.sqrt(lo * hi);
      if (c.generalSlope(mid) > 0) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
