package io.cmrwatch.trainer.mix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cmrwatch.trainer.data.Corpus;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MixerTest {

  // Corpora of one repeated byte each, so that a window tells where it came from.
  private static final Corpus GENERAL = corpus("general", (byte) 'g');
  private static final Corpus DOMAIN = corpus("domain", (byte) 'd');

  private static Corpus corpus(String name, byte b) {
    byte[] text = new byte[4096];
    Arrays.fill(text, b);
    return new Corpus(name, text, text);
  }

  private static int domainWindows(byte[][] batch) {
    int n = 0;
    for (byte[] w : batch) {
      n += w[0] == 'd' ? 1 : 0;
    }
    return n;
  }

  @Test
  void shouldTrackTheDomainShareInTokensAndFollowANewRatio() {
    Mixer mixer = new Mixer(GENERAL, DOMAIN, 0.25, 1);
    int domain = 0;
    for (int step = 0; step < 10; step++) {
      domain += domainWindows(mixer.nextBatch(step, 8, 33));
    }
    assertThat(domain).isEqualTo(20);
    assertThat(mixer.actualShare()).isEqualTo(0.25);
    assertThat(mixer.totalTokens()).isEqualTo(80 * 32);

    mixer.setRatio(0.75);
    for (int step = 10; step < 30; step++) {
      mixer.nextBatch(step, 8, 33);
    }
    // 80 windows at 1/4, then 160 pulled towards 3/4 overall: the actual share reaches the new
    // target.
    assertThat(mixer.actualShare()).isCloseTo(0.75, within(1.0 / 240));
  }

  @Test
  void shouldRepeatTheSameBatchesWhenRestoredFromItsCounters() {
    Mixer a = new Mixer(corpus("g", (byte) 'g'), DOMAIN, 0.4, 9);
    for (int s = 0; s < 5; s++) {
      a.nextBatch(s, 4, 17);
    }
    Mixer b = new Mixer(corpus("g", (byte) 'g'), DOMAIN, 0.4, 9);
    b.restore(a.domainTokens(), a.totalTokens());
    assertThat(b.nextBatch(5, 4, 17)).isDeepEqualTo(a.nextBatch(5, 4, 17));
  }

  @Test
  void shouldRejectARatioOutsideZeroToOne() {
    assertThatThrownBy(() -> new Mixer(GENERAL, DOMAIN, 0, 1)).hasMessageContaining("(0, 1]");
    assertThatThrownBy(() -> new Mixer(GENERAL, DOMAIN, 1.2, 1)).hasMessageContaining("(0, 1]");
  }
}
