package io.cmrwatch.core.summary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.summary.RunSummary.Absorption;
import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RunSummaryTest {

  private static final SyntheticExperiment EXPERIMENT = new SyntheticGenerator().generate(7);

  private static List<LossEvent> runEvents(String run) {
    return EXPERIMENT.events().stream()
        .filter(e -> e.run().equals(run))
        .collect(Collectors.toList());
  }

  private static RunSummary absorbAll(List<LossEvent> events) {
    LossEvent e0 = events.get(0);
    RunSummary s = new RunSummary(e0.experiment(), e0.run());
    events.forEach(s::absorb);
    return s;
  }

  @Test
  void shouldGiveIdenticalBytesWhateverTheOrder() {
    List<LossEvent> events = runEvents(EXPERIMENT.runs().get(2).run());
    byte[] reference = RunSummaryCodec.encode(absorbAll(events));
    for (int seed = 0; seed < 20; seed++) {
      List<LossEvent> shuffled = new ArrayList<>(events);
      Collections.shuffle(shuffled, new Random(seed));
      assertThat(RunSummaryCodec.encode(absorbAll(shuffled))).isEqualTo(reference);
    }
  }

  @Test
  void shouldKeepItsContentHashOnlyUntilTheNextEvent() {
    List<LossEvent> events = runEvents(EXPERIMENT.runs().get(1).run());
    RunSummary s = absorbAll(events.subList(0, events.size() - 1));
    long before = s.contentHash();
    assertThat(s.contentHash()).isEqualTo(before);
    // Equal content, equal hash: a decoded copy and a summary of the same events in another order.
    assertThat(RunSummaryCodec.decode(RunSummaryCodec.encode(s)).contentHash()).isEqualTo(before);
    List<LossEvent> shuffled = new ArrayList<>(events.subList(0, events.size() - 1));
    Collections.shuffle(shuffled, new Random(5));
    assertThat(absorbAll(shuffled).contentHash()).isEqualTo(before);
    s.absorb(events.get(events.size() - 1));
    assertThat(s.contentHash()).isNotEqualTo(before).isEqualTo(absorbAll(events).contentHash());
  }

  @Test
  void shouldShipWhatAnAnalysisReadsWithoutTheFingerprints() {
    RunSummary s = absorbAll(runEvents(EXPERIMENT.runs().get(3).run()));
    byte[] full = RunSummaryCodec.encode(s);
    byte[] forAnalysis = RunSummaryCodec.encodeForAnalysis(s);
    // Every bin holds an event, so at least one fingerprint (8 bytes) and its count (1 byte) are
    // left out per bin.
    assertThat(full.length - forAnalysis.length).isGreaterThanOrEqualTo(9 * s.binCount());
    assertThat(forAnalysis[0]).isEqualTo((byte) RunSummaryCodec.ANALYSIS_VERSION);

    RunSummary copy = RunSummaryCodec.decode(forAnalysis);
    assertThat(copy.analysisOnly()).isTrue();
    assertThat(s.analysisOnly()).isFalse();
    // The same analysis: the same hash (the analyzer's memo key), points, counts and settings.
    assertThat(copy.contentHash()).isEqualTo(s.contentHash());
    assertThat(copy.points().tokens()).isEqualTo(s.points().tokens());
    assertThat(copy.points().generalIncrease()).isEqualTo(s.points().generalIncrease());
    assertThat(copy.points().domainChange()).isEqualTo(s.points().domainChange());
    assertThat(copy.events()).isEqualTo(s.events());
    assertThat(copy.budgetTokens()).isEqualTo(s.budgetTokens());
    assertThat(RunSummaryCodec.encode(copy)).isEqualTo(forAnalysis);
    // A copy without fingerprints could not tell a re-sent event: it takes none.
    LossEvent next = runEvents(EXPERIMENT.runs().get(3).run()).get(0);
    assertThatThrownBy(() -> copy.absorb(next))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("for analysis only");
  }

  @Test
  void shouldIgnoreDuplicateEventIds() {
    List<LossEvent> events = runEvents(EXPERIMENT.runs().get(0).run());
    RunSummary once = absorbAll(events);
    List<LossEvent> twice = new ArrayList<>(events);
    twice.addAll(events.subList(0, events.size() / 2));
    twice.addAll(events.subList(3, 9));
    Collections.shuffle(twice, new Random(3));
    RunSummary dup = absorbAll(twice);
    assertThat(RunSummaryCodec.encode(dup)).isEqualTo(RunSummaryCodec.encode(once));
    assertThat(dup.events()).isEqualTo(events.size());
    assertThat(once.absorb(events.get(5))).isEqualTo(Absorption.DUPLICATE);
  }

  @Test
  void shouldRoundTripExactly() {
    RunSummary s = absorbAll(runEvents(EXPERIMENT.runs().get(4).run()));
    byte[] bytes = RunSummaryCodec.encode(s);
    RunSummary back = RunSummaryCodec.decode(bytes);
    assertThat(RunSummaryCodec.encode(back)).isEqualTo(bytes);
    assertThat(back).isEqualTo(s);
    CurvePoints a = s.points();
    CurvePoints b = back.points();
    assertThat(b.tokens()).isEqualTo(a.tokens());
    assertThat(b.generalIncrease()).isEqualTo(a.generalIncrease());
    assertThat(b.domainChange()).isEqualTo(a.domainChange());
    assertThat(back.budgetTokens()).isEqualTo(EXPERIMENT.budgetTokens());
    assertThat(back.lastEventTime()).isEqualTo(s.lastEventTime());
  }

  @Test
  void shouldRejectCorruptBytesClearly() {
    assertThatThrownBy(() -> RunSummaryCodec.decode(new byte[] {9, 1, 2}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("version 9");
    byte[] ok = RunSummaryCodec.encode(absorbAll(runEvents(EXPERIMENT.runs().get(1).run())));
    byte[] cut = java.util.Arrays.copyOf(ok, ok.length - 5);
    assertThatThrownBy(() -> RunSummaryCodec.decode(cut))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldKeepBaseLossesAndLeaveTheZeroPointOutOfTheCurve() {
    List<LossEvent> events = runEvents(EXPERIMENT.runs().get(1).run());
    RunSummary s = absorbAll(events);
    LossEvent zero = events.get(0);
    assertThat(zero.tokens()).isZero();
    assertThat(s.baseGeneralLoss()).isEqualTo(zero.baseGeneralLoss());
    assertThat(s.baseDomainLoss()).isEqualTo(zero.baseDomainLoss());
    assertThat(s.baseLossConflict()).isFalse();
    CurvePoints p = s.points();
    assertThat(p.size()).isEqualTo(s.pointCount());
    assertThat(p.tokens()[0]).isGreaterThan(0);
    assertThat(java.util.Arrays.stream(p.weights()).min().orElse(0)).isGreaterThanOrEqualTo(1);
    double total = 0;
    for (double w : p.weights()) {
      total += w;
    }
    assertThat(total).isEqualTo(events.size() - 1);
    // Bin means reproduce a single-event bin exactly (to the 2^-28 fixed point).
    LossEvent last = events.get(events.size() - 1);
    assertThat(s.latestTokens()).isEqualTo(last.tokens());
    assertThat(s.latestGeneralLossIncrease()).isEqualTo(last.generalLossIncrease());
  }

  @Test
  void shouldComputeBinMeansAndVariances() {
    RunSummary s = new RunSummary("e", "r");
    double[] gen = {2.5, 2.6, 2.8};
    for (int i = 0; i < gen.length; i++) {
      s.absorb(event("e", "r", 0.3, 1_000_000_000L + i, gen[i], 1.9, "r/" + i));
    }
    CurvePoints p = s.points();
    assertThat(p.size()).isEqualTo(1);
    assertThat(p.generalIncrease()[0]).isCloseTo((2.5 + 2.6 + 2.8) / 3 - 2.4, within(1e-8));
    assertThat(p.generalVariance()[0]).isCloseTo(0.023333333, within(1e-8));
    assertThat(p.tokens()[0]).isCloseTo(1_000_000_001.0, within(1e-3));
  }

  @Test
  void shouldStayBoundedWhateverTheNumberOfEvents() {
    RunSummary s = new RunSummary("e", "r");
    Random rnd = new Random(1);
    for (int i = 0; i < 200_000; i++) {
      long tokens = 1_000_000L + (long) (rnd.nextDouble() * 2e10);
      s.absorb(event("e", "r", 0.3, tokens, 2.4 + rnd.nextDouble() * 0.1, 2.0, "r/" + i));
    }
    assertThat(s.events()).isEqualTo(200_000);
    // 1e6 .. 2e10 tokens is 14.3 octaves → at most 8·15 bins.
    assertThat(s.binCount()).isLessThanOrEqualTo(8 * 15);
    int bytes = RunSummaryCodec.encode(s).length;
    assertThat(bytes).isLessThanOrEqualTo(120 * (56 + 8 * RunSummary.FINGERPRINTS_PER_BIN) + 400);
    // What an analysis reads, without the fingerprints: about a sixth of it.
    assertThat(RunSummaryCodec.encodeForAnalysis(s).length).isLessThanOrEqualTo(120 * 56 + 400);
  }

  @Test
  void shouldKeepPreChangeDataAndFlagARatioChangeInAnyOrder() {
    List<LossEvent> events = new ArrayList<>();
    for (int i = 0; i <= 40; i++) {
      long tokens = i * 250_000_000L;
      double ratio = i <= 20 ? 0.3 : 0.6;
      events.add(event("e", "r", ratio, tokens, 2.4 + 0.001 * i, 2.0 - 0.002 * i, "r/" + i));
    }
    RunSummary inOrder = absorbAll(events);
    assertThat(inOrder.ratioChanged()).isTrue();
    assertThat(inOrder.ratio()).isEqualTo(0.3);
    assertThat(inOrder.ratioChangeTokens()).isEqualTo(21 * 250_000_000L);
    assertThat(inOrder.maxFitTokens()).isLessThan(21 * 250_000_000L);
    assertThat(inOrder.latestTokens()).isEqualTo(40 * 250_000_000L);
    assertThat(inOrder.latestGeneralLossIncrease()).isCloseTo(0.04, within(1e-9));
    for (int seed = 0; seed < 10; seed++) {
      List<LossEvent> shuffled = new ArrayList<>(events);
      Collections.shuffle(shuffled, new Random(seed));
      assertThat(RunSummaryCodec.encode(absorbAll(shuffled)))
          .isEqualTo(RunSummaryCodec.encode(inOrder));
    }
  }

  @Test
  void shouldRefuseEventsOfAnotherRunAndImpossibleLosses() {
    RunSummary s = new RunSummary("e", "r");
    assertThatThrownBy(() -> s.absorb(event("e", "other", 0.3, 5, 2.4, 2.0, "x/1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("e/other");
    // Such a loss is no event at all (LossEvent rejects it with loss_out_of_range), so no reader
    // of the topic ever hands one to a summary.
    assertThatThrownBy(() -> event("e", "r", 0.3, 5, 3e6, 2.0, "x/1"))
        .isInstanceOf(io.cmrwatch.core.event.InvalidEventException.class)
        .hasMessageContaining("not a loss");
    assertThat(s.isEmpty()).isTrue();
  }

  @Test
  void shouldTakeTheLatestSettingByEventKey() {
    RunSummary a = new RunSummary("e", "r");
    LossEvent early =
        event("e", "r", 0.3, 10, 2.4, 2.0, "r/1").toBuilder()
            .epsilon(0.02)
            .budgetTokens(100L)
            .build();
    LossEvent late = event("e", "r", 0.3, 20, 2.4, 2.0, "r/2").toBuilder().epsilon(0.03).build();
    a.absorb(late);
    a.absorb(early);
    assertThat(a.epsilon()).isEqualTo(0.03);
    assertThat(a.budgetTokens()).isEqualTo(100L);
  }

  @Test
  void shouldAddExactly128Bits() {
    Random rnd = new Random(5);
    long[] acc = new long[2]; // one slot
    BigInteger ref = BigInteger.ZERO;
    for (int i = 0; i < 10_000; i++) {
      long a = rnd.nextLong() >> rnd.nextInt(40);
      long b = rnd.nextLong() >> rnd.nextInt(40);
      if (rnd.nextBoolean()) {
        Int128.add(acc, 0, a);
        ref = ref.add(BigInteger.valueOf(a));
      } else {
        Int128.addProduct(acc, 0, a, b);
        ref = ref.add(BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)));
      }
    }
    assertThat(Int128.toBigInteger(acc, 0)).isEqualTo(ref);
    // The word boundaries: a negative high word, and a low word with its top bit set.
    BigInteger two64 = BigInteger.ONE.shiftLeft(64);
    assertThat(Int128.toBigInteger(new long[] {-1, Long.MIN_VALUE}, 0))
        .isEqualTo(BigInteger.valueOf(-1).multiply(two64).add(BigInteger.ONE.shiftLeft(63)));
    assertThat(Int128.toBigInteger(new long[] {0, -1}, 0))
        .isEqualTo(two64.subtract(BigInteger.ONE));
    assertThat(Int128.toBigInteger(new long[] {Long.MIN_VALUE, 0}, 0))
        .isEqualTo(BigInteger.ONE.shiftLeft(127).negate());
    assertThat(Int128.toDouble(acc, 0))
        .isCloseTo(ref.doubleValue(), within(Math.abs(ref.doubleValue()) * 1e-15));
  }

  @Test
  void shouldWeighItsHeapAgainAfterAbsorbingAnEvent() {
    RunSummary s = new RunSummary("e", "r");
    s.absorb(event("e", "r", 0.25, 1_000_000, 2.4, 2.1, "r/1"));
    long one = s.heapBytesEstimate();
    assertThat(s.heapBytesEstimate()).isEqualTo(one); // kept
    s.absorb(event("e", "r", 0.25, 4_000_000_000L, 2.5, 1.9, "r/2")); // a new bin
    assertThat(s.heapBytesEstimate()).isGreaterThanOrEqualTo(one + RunSummary.BIN_HEAP_BYTES);
    assertThat(RunSummaryCodec.decode(RunSummaryCodec.encode(s)).heapBytesEstimate())
        .isEqualTo(s.heapBytesEstimate());
  }

  static LossEvent event(
      String exp, String run, double ratio, long tokens, double gen, double dom, String id) {
    return LossEvent.builder()
        .experiment(exp)
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
