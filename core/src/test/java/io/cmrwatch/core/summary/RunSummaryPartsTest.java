package io.cmrwatch.core.summary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A summary stored as a head and one part per bin reads back equal to the whole. */
class RunSummaryPartsTest {

  private static RunSummary summary(int events) {
    RunSummary s = new RunSummary("exp", "run-1");
    Random rnd = new Random(3);
    for (int i = 1; i <= events; i++) {
      s.absorb(
          RunSummaryTest.event(
              "exp",
              "run-1",
              0.3,
              1_000_000L * i,
              2.0 + 0.01 * rnd.nextGaussian(),
              3.0 - 0.001 * i,
              "e" + i));
    }
    return s;
  }

  private static List<byte[]> bins(RunSummary s) {
    List<byte[]> parts = new ArrayList<>();
    for (int index : RunSummaryCodec.binIndexes(s)) {
      parts.add(RunSummaryCodec.encodeBin(s, index));
    }
    return parts;
  }

  @Test
  void shouldReassembleTheSameSummaryFromItsParts() {
    RunSummary s = summary(120);
    byte[] whole = RunSummaryCodec.encode(s);
    List<byte[]> parts = bins(s);
    assertThat(parts).hasSize(s.binCount());
    java.util.Collections.reverse(parts);
    RunSummary back = RunSummaryCodec.decodeParts(RunSummaryCodec.encodeHead(s), parts);
    assertThat(RunSummaryCodec.encode(back)).isEqualTo(whole);
    // An event rewrites the head and one bin, each a small fraction of the whole.
    int bin = RunSummaryCodec.binIndex(120_000_000L);
    assertThat(RunSummaryCodec.encodeBin(s, bin)).isNotNull();
    assertThat(RunSummaryCodec.encodeHead(s).length + RunSummaryCodec.encodeBin(s, bin).length)
        .isLessThan(whole.length / 4);
    assertThat(RunSummaryCodec.encodeBin(s, RunSummaryCodec.binIndex(1L << 60))).isNull();
  }

  @Test
  void shouldRefuseCorruptParts() {
    RunSummary s = summary(20);
    byte[] head = RunSummaryCodec.encodeHead(s);
    List<byte[]> twice = new ArrayList<>(bins(s));
    twice.add(twice.get(0));
    assertThatThrownBy(() -> RunSummaryCodec.decodeParts(head, twice))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("two bins");
    byte[] cut = java.util.Arrays.copyOf(head, head.length - 3);
    assertThatThrownBy(() -> RunSummaryCodec.decodeParts(cut, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("corrupt");
    byte[] wrong = head.clone();
    wrong[0] = 9;
    assertThatThrownBy(() -> RunSummaryCodec.decodeParts(wrong, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("version 9");
  }
}
