package io.cmrwatch.core.cmr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cmrwatch.core.event.InvalidEventException;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.event.LossEventCodec;
import io.cmrwatch.core.event.Rejection;
import io.cmrwatch.core.law.Law;
import io.cmrwatch.core.law.LawForm;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ExperimentAnalyzerTest {

  private static final SyntheticExperiment EXPERIMENT = new SyntheticGenerator().generate(11);
  private final ExperimentAnalyzer analyzer = new ExperimentAnalyzer();

  private ExperimentEstimate analyze(List<LossEvent> events) {
    return analyzer.analyze(EXPERIMENT.experiment(), Experiments.summaries(events));
  }

  @Test
  void shouldGiveTheSameEstimateForShuffledAndDuplicatedEvents() {
    String reference = EstimateJson.write(analyze(EXPERIMENT.events()));
    List<LossEvent> noisy = new ArrayList<>(EXPERIMENT.events());
    noisy.addAll(EXPERIMENT.events().subList(10, 80));
    Collections.shuffle(noisy, new Random(4));
    assertThat(EstimateJson.write(analyze(noisy))).isEqualTo(reference);
  }

  @Test
  void shouldReportEveryRunWithItsIntervalsAndLaws() {
    ExperimentEstimate e = analyze(EXPERIMENT.events());
    assertThat(e.status()).isEqualTo("ok");
    assertThat(e.schema()).isEqualTo(1);
    assertThat(e.budgetTokens()).isEqualTo(EXPERIMENT.budgetTokens());
    assertThat(e.cmrLaw()).isNotNull();
    assertThat(e.runs()).hasSize(6);
    for (RunEstimate r : e.runs()) {
      assertThat(r.status()).isEqualTo("ok");
      // A null bound means the data cannot bound it (the fitter found the parameters not
      // identifiable).
      assertThat(r.generalLossIncreaseAtBudgetLow() == null)
          .isEqualTo(r.generalLossIncreaseAtBudgetHigh() == null);
      if (r.generalLossIncreaseAtBudgetLow() != null) {
        assertThat(r.generalLossIncreaseAtBudgetLow())
            .isLessThanOrEqualTo(r.generalLossIncreaseAtBudget());
        assertThat(r.generalLossIncreaseAtBudgetHigh())
            .isGreaterThanOrEqualTo(r.generalLossIncreaseAtBudget());
      }
      assertThat(r.domainLaw()).containsKeys("a1", "s1", "b1");
      assertThat(r.generalLaw()).containsKeys("a2", "s2", "a3", "s3", "b2");
      if (r.turnedOver()) {
        assertThat(r.t0Low()).isLessThanOrEqualTo(r.t0Tokens());
        assertThat(r.t0High() == null || r.t0High() >= r.t0Tokens()).isTrue();
      }
    }
    // Runs well below the CMR are feasible, runs well above it are not.
    assertThat(e.runs().get(0).feasible()).isTrue();
    for (int i = 0; i < 6; i++) {
      if (Math.abs(EXPERIMENT.runs().get(i).ratio() - EXPERIMENT.trueCmr()) > 0.1) {
        assertThat(e.runs().get(i).feasible())
            .as("run %d", i)
            .isEqualTo(EXPERIMENT.runs().get(i).trueFeasible());
      }
    }
  }

  @Test
  void shouldRoundTripThroughJsonAndWarmStartFromIt() {
    ExperimentEstimate cold = analyze(EXPERIMENT.events());
    String json = EstimateJson.write(cold);
    ExperimentEstimate back = EstimateJson.read(json);
    assertThat(EstimateJson.write(back)).isEqualTo(json);
    ExperimentEstimate warm =
        analyzer.analyze(EXPERIMENT.experiment(), Experiments.summaries(EXPERIMENT.events()), back);
    assertThat(warm.status()).isEqualTo("ok");
    assertThat(warm.cmr()).isCloseTo(cold.cmr(), org.assertj.core.api.Assertions.within(0.01));
    assertThatThrownBy(() -> EstimateJson.read("{\"schema\":7}"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldAgreeWithAColdAnalysisWhenWarmStartedAlongTheStream() {
    for (long seed : new long[] {15, 33, 37}) {
      SyntheticExperiment x = new SyntheticGenerator().generate(seed);
      ExperimentEstimate previous = null;
      for (int pct = 10; pct <= 100; pct += 5) {
        ExperimentEstimate e =
            analyzer.analyze(
                x.experiment(), Experiments.summaries(x.eventsUpTo(pct / 100.0)), previous);
        previous = e;
      }
      ExperimentEstimate cold = analyzer.analyze(x.experiment(), Experiments.summaries(x.events()));
      assertThat(previous.status()).isEqualTo("ok");
      // A warm chain holds its CMR while the new one stays within the steadiness band, so it ends
      // within that band (plus the optimiser's tolerance) of a cold analysis, inside its interval.
      double half = 0.5 * (previous.cmrHigh() - previous.cmrLow());
      assertThat(previous.cmr())
          .as("seed %d", seed)
          .isCloseTo(
              cold.cmr(),
              org.assertj.core.api.Assertions.within(
                  ExperimentAnalyzer.STEADY_BAND * half + 0.005));
      assertThat(cold.cmr()).isBetween(previous.cmrLow(), previous.cmrHigh());
      assertThat(previous.runs()).allSatisfy(r -> assertThat(r.coldFitTokens()).isNotNull());
    }
  }

  @Test
  void shouldDeferTheColdRefitWhenAskedAndDoItOnTheNextAnalysis() {
    SyntheticExperiment x = new SyntheticGenerator().generate(15);
    ExperimentEstimate at30 =
        new ExperimentAnalyzer()
            .analyze(x.experiment(), Experiments.summaries(x.eventsUpTo(0.3)), null);
    Collection<RunSummary> at90 =
        Experiments.summaries(x.eventsUpTo(0.9)); // grown far beyond the cold-refit step
    ExperimentEstimate deferred =
        new ExperimentAnalyzer().analyze(x.experiment(), at90, at30, true);
    ExperimentEstimate due = new ExperimentAnalyzer().analyze(x.experiment(), at90, at30, false);
    for (int k = 0; k < at30.runs().size(); k++) {
      RunEstimate before = at30.runs().get(k);
      if (!before.ok()) {
        continue;
      }
      // Deferred: a warm refit, the last cold fit's tokens kept; otherwise the cold refit happens
      // now.
      assertThat(deferred.runs().get(k).coldFitTokens()).isEqualTo(before.coldFitTokens());
      assertThat(due.runs().get(k).coldFitTokens()).isGreaterThan(before.coldFitTokens());
      ExperimentEstimate next =
          new ExperimentAnalyzer().analyze(x.experiment(), at90, deferred, false);
      assertThat(next.runs().get(k).coldFitTokens()).isEqualTo(due.runs().get(k).coldFitTokens());
    }
    assertThat(deferred.status()).isEqualTo("ok");
    assertThat(deferred.cmr()).isCloseTo(due.cmr(), org.assertj.core.api.Assertions.within(0.05));
  }

  @Test
  void shouldCarryTheCmrLawOverOnlyWhenAskedAndStillValid() {
    SyntheticExperiment x = new SyntheticGenerator().generate(15);
    ExperimentEstimate at60 =
        analyzer.analyze(x.experiment(), Experiments.summaries(x.eventsUpTo(0.6)), null);
    Collection<RunSummary> at90 = Experiments.summaries(x.eventsUpTo(0.9));
    ExperimentEstimate refreshed = analyzer.analyze(x.experiment(), at90, at60, false, false);
    ExperimentEstimate kept = analyzer.analyze(x.experiment(), at90, at60, false, true);
    assertThat(at60.cmrLaw()).isNotNull();
    // Kept: the previous law, while the CMR and its interval are those of the newer data.
    assertThat(kept.cmrLaw()).isSameAs(at60.cmrLaw());
    assertThat(refreshed.cmrLaw()).isNotEqualTo(at60.cmrLaw());
    assertThat(kept.cmr()).isEqualTo(refreshed.cmr());
    assertThat(kept.cmrLow()).isEqualTo(refreshed.cmrLow());
    assertThat(kept.cmrHigh()).isEqualTo(refreshed.cmrHigh());
    // Other settings make the previous law another question: it is fitted again.
    ExperimentAnalyzer otherBudget =
        new ExperimentAnalyzer(
            CmrSettings.defaults().withOverrides(null, null, null, x.budgetTokens() / 2));
    ExperimentEstimate halfBudget = otherBudget.analyze(x.experiment(), at90, at60, false, true);
    assertThat(halfBudget.status()).isEqualTo("ok");
    assertThat(halfBudget.cmrLaw()).isNotNull().isNotSameAs(at60.cmrLaw());
    // Nothing to carry: a previous estimate without a CMR.
    ExperimentEstimate none =
        analyzer.analyze(x.experiment(), Experiments.summaries(x.eventsUpTo(0.02)), null);
    assertThat(none.ok()).isFalse();
    assertThat(analyzer.analyze(x.experiment(), at90, none, false, true).cmrLaw()).isNotNull();
  }

  @Test
  void shouldWaitForTwoUsableRatiosAndSayWhy() {
    List<LossEvent> one =
        EXPERIMENT.events().stream()
            .filter(e -> e.run().equals(EXPERIMENT.runs().get(0).run()))
            .collect(Collectors.toList());
    ExperimentEstimate e = analyze(one);
    assertThat(e.status()).isEqualTo(Reason.TOO_FEW_USABLE_RUNS.code());
    assertThat(e.cmr()).isNull();
    assertThat(e.runs()).hasSize(1);
    assertThat(e.runs().get(0).status()).isEqualTo("ok");
    assertThat(analyzer.analyze("x", List.of()).status()).isEqualTo("no_runs");
  }

  @Test
  void shouldRefuseToFitASinglePointOrOnlyTheBaseModel() {
    List<LossEvent> few =
        EXPERIMENT.events().stream()
            .filter(e -> e.tokens() <= EXPERIMENT.budgetTokens() * 0.003)
            .collect(Collectors.toList());
    ExperimentEstimate e = analyze(few);
    assertThat(e.status()).isEqualTo(Reason.TOO_FEW_USABLE_RUNS.code());
    assertThat(e.runs()).allSatisfy(r -> assertThat(r.status()).isIn("too_few_points", "no_data"));
    List<LossEvent> zeros =
        EXPERIMENT.events().stream().filter(ev -> ev.tokens() == 0).collect(Collectors.toList());
    assertThat(analyze(zeros).runs()).allSatisfy(r -> assertThat(r.status()).isEqualTo("no_data"));
  }

  @Test
  void shouldFlagTheTokenSpanGuard() {
    RunSummary s = new RunSummary("e", "r");
    for (int i = 0; i < 20; i++) {
      s.absorb(event("r", 0.3, 10_000_000_000L + i * 150_000_000L, 2.45, 1.9, "r/" + i));
    }
    ExperimentEstimate e = analyzer.analyze("e", List.of(s));
    assertThat(e.status()).isEqualTo("no_budget");
    ExperimentEstimate withBudget =
        new ExperimentAnalyzer(
                CmrSettings.defaults().withOverrides(null, null, null, 20_000_000_000L))
            .analyze("e", List.of(s));
    assertThat(withBudget.runs().get(0).status()).isIn("token_span_too_short", "too_few_points");
  }

  @Test
  void shouldSayNoRatioIsFeasibleOrFlagExtrapolationWhenAllRunsForget() {
    SyntheticExperiment x = new SyntheticGenerator().generate(4);
    List<String> forgetting =
        x.runs().stream()
            .filter(r -> r.ratio() > x.trueCmr() + 0.05)
            .map(r -> r.run())
            .collect(Collectors.toList());
    assertThat(forgetting).hasSizeGreaterThanOrEqualTo(2);
    ExperimentEstimate e =
        analyzer.analyze(
            x.experiment(),
            Experiments.summaries(
                x.events().stream()
                    .filter(ev -> forgetting.contains(ev.run()))
                    .collect(Collectors.toList())));
    assertThat(e.runs()).allSatisfy(r -> assertThat(r.feasible()).isFalse());
    if (e.ok()) {
      assertThat(e.cmr()).isLessThan(e.runs().get(0).ratio());
      assertThat(e.extrapolation().ratios()).isTrue();
    } else {
      assertThat(e.status()).isEqualTo("no_feasible_ratio");
      assertThat(e.cmr()).isNull();
    }
  }

  @Test
  void shouldHandleConstantLossesNoBumpAndRatioOne() {
    List<LossEvent> events = new ArrayList<>();
    for (int i = 0; i <= 40; i++) {
      long tokens = i * 500_000_000L;
      // Constant losses at R = 0.2, a falling general loss (no bump) at R = 0.5, a rising one at R
      // = 1.0.
      events.add(event("flat", 0.2, tokens, 2.4, 2.0, "flat/" + i));
      double t = tokens / 2e8;
      events.add(
          event(
              "fall",
              0.5,
              tokens,
              2.4 - 0.004 * Math.pow(t, 0.5),
              2.0 - 0.05 * Math.pow(t, 0.3),
              "fall/" + i));
      events.add(
          event(
              "one",
              1.0,
              tokens,
              2.4 + 0.01 * Math.pow(t, 0.5),
              2.0 - 0.08 * Math.pow(t, 0.3),
              "one/" + i));
    }
    ExperimentEstimate e =
        new ExperimentAnalyzer(
                CmrSettings.defaults().withOverrides(null, null, null, 20_000_000_000L))
            .analyze("e", Experiments.summaries(events));
    RunEstimate flat = e.runs().get(0);
    RunEstimate fall = e.runs().get(1);
    RunEstimate one = e.runs().get(2);
    assertThat(one.ratio()).isEqualTo(1.0);
    assertThat(fall.status()).isEqualTo("ok");
    // The joint law always rises first: for a curve that falls from its first evaluation on, the
    // peak, and T0, lie before any data (the first evaluation is at 500M tokens).
    assertThat(fall.t0Tokens()).isLessThan(500_000_000.0);
    assertThat(fall.feasible()).isTrue();
    assertThat(one.feasible()).isFalse();
    // Constant losses either fit a flat law (T0 = 0, feasible) or are refused with a reason; never
    // a crash.
    assertThat(flat.status()).isNotBlank();
    if (flat.ok()) {
      assertThat(flat.feasible()).isTrue();
    }
    assertThat(e.status()).isEqualTo("ok");
    assertThat(e.cmr()).isBetween(0.5, 1.0);
    assertThat(e.cmrLow()).isLessThanOrEqualTo(e.cmr());
  }

  @Test
  void shouldMarkABumpPeakingAfterTheBudgetInfeasible() {
    // dGen = 0.004·T^0.45 − 0.0001·T^0.95 peaks at T ≈ 350 units (70 B tokens), after a 20 B
    // budget.
    Law general = Law.of(LawForm.GENERAL, 0.004, 0.45, -0.0001, 0.95, 0.0);
    Law domain = Law.of(LawForm.DOMAIN, -0.05, 0.3, 0.0);
    assertThat(Feasibility.criticalPoint(domain, general, 1000, 100)).isGreaterThan(100);
    List<LossEvent> events = new ArrayList<>();
    for (int i = 0; i <= 50; i++) {
      long tokens = i * 400_000_000L;
      double t = tokens / 2e8;
      events.add(
          event(
              "late",
              0.6,
              tokens,
              2.4 + (t == 0 ? 0 : general.value(t)),
              2.0 + (t == 0 ? 0 : domain.value(t)),
              "late/" + i));
    }
    ExperimentEstimate e =
        new ExperimentAnalyzer(
                CmrSettings.defaults().withOverrides(null, null, null, 20_000_000_000L))
            .analyze("e", Experiments.summaries(events));
    RunEstimate r = e.runs().get(0);
    assertThat(r.feasible()).isFalse();
    assertThat(r.t0Tokens() == null || r.t0Tokens() > 20_000_000_000L).isTrue();
    assertThat(r.extrapolation().criticalPoint()).isTrue();
  }

  @Test
  void shouldRejectNonFiniteInputsClearly() {
    assertThatThrownBy(() -> CmrSettings.defaults().withOverrides(Double.NaN, null, null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("epsilon");
    assertThatThrownBy(
            () -> CmrSettings.defaults().withOverrides(null, Double.POSITIVE_INFINITY, null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lambda");
    assertThatThrownBy(() -> event("r", 0.3, 5, Double.NaN, 2.0, "r/1"))
        .isInstanceOf(InvalidEventException.class);
    String json =
        LossEventCodec.encodeToString(EXPERIMENT.events().get(3))
            .replaceFirst("\"generalLoss\":[0-9.]+", "\"generalLoss\":\"Infinity\"");
    assertThatThrownBy(() -> LossEventCodec.decode(json))
        .isInstanceOfSatisfying(
            InvalidEventException.class,
            ex -> assertThat(ex.rejection()).isEqualTo(Rejection.NON_FINITE_LOSS));
    assertThatThrownBy(() -> Law.of(LawForm.GENERAL, 1, Double.NaN, 0, 1, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static LossEvent event(
      String run, double ratio, long tokens, double gen, double dom, String id) {
    return LossEvent.builder()
        .experiment("e")
        .run(run)
        .ratio(ratio)
        .tokens(tokens)
        .generalLoss(gen)
        .domainLoss(dom)
        .baseGeneralLoss(2.4)
        .baseDomainLoss(2.0)
        .eventId(id)
        .build();
  }
}
