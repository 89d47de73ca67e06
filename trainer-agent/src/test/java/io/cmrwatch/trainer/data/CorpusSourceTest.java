package io.cmrwatch.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusSourceTest {

  @Test
  void shouldGenerateTheSameBuiltInTextEveryTimeAndDifferentTextPerKind() {
    byte[] a = new SyntheticText(SyntheticText.Kind.GENERAL).generate(1, 5000);
    byte[] b = new SyntheticText(SyntheticText.Kind.GENERAL).generate(1, 5000);
    byte[] d = new SyntheticText(SyntheticText.Kind.DOMAIN).generate(1, 5000);
    assertThat(a).isEqualTo(b).isNotEqualTo(d);
    assertThat(new SyntheticText(SyntheticText.Kind.GENERAL).generate(2, 5000)).isNotEqualTo(a);
    // One shared vocabulary: printable ASCII only, in both.
    for (byte[] text : new byte[][] {a, d}) {
      for (byte x : text) {
        assertThat(x).isBetween((byte) 32, (byte) 126);
      }
    }
    Corpus c = CorpusSource.of("builtin:domain").load();
    assertThat(c.validation(8, 65)).hasSize(8);
    assertThat(c.validation(8, 65).get(3))
        .isEqualTo(CorpusSource.of("builtin:domain").load().validation(8, 65).get(3));
  }

  @Test
  void shouldReadTextFilesAndJsonlFromDirectoriesAndHoldOutTheEnd(@TempDir Path dir)
      throws Exception {
    Files.createDirectories(dir.resolve("sub"));
    Files.writeString(dir.resolve("a.txt"), "alpha ".repeat(200));
    StringBuilder jsonl = new StringBuilder();
    for (int i = 0; i < 50; i++) {
      jsonl
          .append("{\"text\":\"line ")
          .append(i)
          .append(" bravo\",\"id\":")
          .append(i)
          .append("}\n");
    }
    Files.writeString(dir.resolve("sub/b.jsonl"), jsonl);
    Corpus c = new CorpusSource(dir.toString(), "text", 0.1, 0).load();
    assertThat(c.trainingBytes() + c.heldOutBytes()).isGreaterThan(1200);
    String sample = new String(c.sample(new SplittableRandom(1), 40), StandardCharsets.UTF_8);
    assertThat(sample).doesNotContain("{\"");
    assertThat(new String(c.validation(100, 20).get(0), StandardCharsets.UTF_8))
        .doesNotContain("alpha");
  }

  @Test
  void shouldExplainBadInput(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> CorpusSource.of(dir.resolve("missing").toString()).load())
        .hasMessageContaining("does not exist");
    assertThatThrownBy(() -> CorpusSource.of("builtin:poetry").load())
        .hasMessageContaining("builtin:general");
    Files.writeString(dir.resolve("x.jsonl"), "{\"body\":\"no text field\"}\n".repeat(100));
    assertThatThrownBy(() -> CorpusSource.of(dir.toString()).load())
        .hasMessageContaining("--text-field");
    Files.delete(dir.resolve("x.jsonl"));
    Files.write(dir.resolve("y.txt"), new byte[] {(byte) 0xC3, (byte) 0x28, 1, 2});
    assertThatThrownBy(() -> CorpusSource.of(dir.toString()).load())
        .hasMessageContaining("not UTF-8");
  }
}
