package io.cmrwatch.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CausalLanguageModelTest {

  private static final ModelConfig TINY = new ModelConfig(32, 2, 4, 16, 2);

  @Test
  void shouldKeepEarlierLogitsWhenALaterByteChangesInTrainingAndInference() {
    try (LanguageModelTrainer lm = LanguageModelTrainer.create(TINY, 2, Device.cpu(), 7)) {
      // One training step first, so that the check runs on a model whose weights are not the
      // initial ones.
      lm.step(randomSequences(2, TINY.context() + 1, 1), 1e-2f);
      byte[][] a = randomSequences(2, TINY.context(), 2);
      byte[][] b = new byte[][] {a[0].clone(), a[1].clone()};
      int changed = 10;
      b[0][changed] = (byte) (a[0][changed] + 1);
      b[1][changed] = (byte) (a[1][changed] + 7);
      for (boolean training : new boolean[] {true, false}) {
        float[][][] la = lm.logits(a, training);
        float[][][] lb = lm.logits(b, training);
        for (int seq = 0; seq < 2; seq++) {
          for (int t = 0; t < changed; t++) {
            assertThat(lb[seq][t])
                .as("position %d, training=%s", t, training)
                .containsExactly(la[seq][t]);
          }
          // The change must be visible from its own position on, or the check above proves nothing.
          assertThat(lb[seq][changed])
              .as("changed position, training=%s", training)
              .isNotEqualTo(la[seq][changed]);
        }
      }
    }
  }

  @Test
  void shouldGiveAPrefixTheLogitsItHasInsideTheFullSequence() {
    try (LanguageModelTrainer lm = LanguageModelTrainer.create(TINY, 2, Device.cpu(), 11)) {
      lm.step(randomSequences(2, TINY.context() + 1, 3), 1e-2f);
      byte[][] full = randomSequences(2, TINY.context(), 4);
      int k = 5;
      byte[][] prefix = new byte[][] {Arrays.copyOf(full[0], k), Arrays.copyOf(full[1], k)};
      for (boolean training : new boolean[] {true, false}) {
        float[][][] lf = lm.logits(full, training);
        // A shorter sequence takes the first rows of the position table and its own mask; position
        // t must see the
        // same bytes 0..t as in the full sequence, so its logits agree up to rounding.
        float[][][] lp = lm.logits(prefix, training);
        for (int seq = 0; seq < 2; seq++) {
          for (int t = 0; t < k; t++) {
            for (int v = 0; v < ModelConfig.VOCABULARY; v++) {
              assertThat(lp[seq][t][v])
                  .as("seq %d position %d byte %d, training=%s", seq, t, v, training)
                  .isCloseTo(lf[seq][t][v], org.assertj.core.data.Offset.offset(1e-4f));
            }
          }
        }
      }
    }
  }

  @Test
  void shouldLowerTrainingLossOnRepeatedText() {
    try (LanguageModelTrainer lm = LanguageModelTrainer.create(TINY, 4, Device.cpu(), 3)) {
      byte[][] batch = randomSequences(4, TINY.context() + 1, 5);
      float first = lm.step(batch, 3e-3f);
      float last = first;
      for (int i = 0; i < 30; i++) {
        last = lm.step(batch, 3e-3f);
      }
      assertThat(last).isLessThan(first * 0.8f);
    }
  }

  @Test
  void shouldRestoreTheSameModelFromACheckpoint(@TempDir Path dir) {
    List<byte[]> validation = new ArrayList<>(List.of(randomSequences(3, TINY.context() + 1, 9)));
    double before;
    try (LanguageModelTrainer lm = LanguageModelTrainer.create(TINY, 4, Device.cpu(), 3)) {
      for (int i = 0; i < 3; i++) {
        lm.step(randomSequences(4, TINY.context() + 1, 20 + i), 3e-3f);
      }
      lm.save(dir);
      before = lm.evaluate(validation);
      // A further step from the saved state, to compare with the same step after a restore.
      lm.step(randomSequences(4, TINY.context() + 1, 99), 3e-3f);
      double continued = lm.evaluate(validation);
      try (LanguageModelTrainer restored =
          LanguageModelTrainer.load(dir, 4, Device.cpu(), 3, true)) {
        assertThat(restored.config()).isEqualTo(TINY);
        assertThat(restored.evaluate(validation))
            .isCloseTo(before, org.assertj.core.data.Offset.offset(1e-6));
        restored.step(randomSequences(4, TINY.context() + 1, 99), 3e-3f);
        assertThat(restored.evaluate(validation))
            .isCloseTo(continued, org.assertj.core.data.Offset.offset(1e-5));
      }
    }
  }

  private static byte[][] randomSequences(int count, int length, long seed) {
    Random rng = new Random(seed);
    byte[][] out = new byte[count][length];
    for (byte[] s : out) {
      for (int i = 0; i < length; i++) {
        s[i] = (byte) ('a' + rng.nextInt(26));
      }
    }
    return out;
  }
}
