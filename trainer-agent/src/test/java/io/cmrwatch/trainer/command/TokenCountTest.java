package io.cmrwatch.trainer.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class TokenCountTest {

  @Test
  void shouldReadPlainScientificAndSuffixedCounts() {
    TokenCount c = new TokenCount();
    assertThat(c.convert("200000")).isEqualTo(200_000L);
    assertThat(c.convert("2e5")).isEqualTo(200_000L);
    assertThat(c.convert("200k")).isEqualTo(200_000L);
    assertThat(c.convert("1.5M")).isEqualTo(1_500_000L);
    assertThat(c.convert("20B")).isEqualTo(20_000_000_000L);
    assertThatThrownBy(() -> c.convert("lots")).isInstanceOf(TypeConversionException.class);
    assertThatThrownBy(() -> c.convert("1.5")).isInstanceOf(TypeConversionException.class);
    assertThatThrownBy(() -> c.convert("-3")).isInstanceOf(TypeConversionException.class);
  }
}
