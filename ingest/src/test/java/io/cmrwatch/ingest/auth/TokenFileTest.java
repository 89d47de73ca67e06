package io.cmrwatch.ingest.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenFileTest {

  static final String ALL = "all-experiments-token-0123456789";
  static final String TEAM = "team-a-only-token-0123456789";

  final TokenFile tokens =
      TokenFile.parse(
          List.of("# tokens", "", ALL, TEAM + "   team-a-,shared-   # scoped", "  "), "test");

  @Test
  void shouldAcceptAKnownTokenWithItsScope() {
    assertThat(tokens.size()).isEqualTo(2);
    assertThat(tokens.authenticate(ALL)).contains(TokenScope.unrestricted());
    TokenScope scoped = tokens.authenticate(TEAM).orElseThrow();
    assertThat(scoped.prefixes()).containsExactly("team-a-", "shared-");
    assertThat(scoped.allows("team-a-llama")).isTrue();
    assertThat(scoped.allows("shared-x")).isTrue();
    assertThat(scoped.allows("team-b-llama")).isFalse();
  }

  @Test
  void shouldRejectUnknownEmptyOrNearMissTokens() {
    assertThat(tokens.authenticate(null)).isEmpty();
    assertThat(tokens.authenticate("")).isEmpty();
    assertThat(tokens.authenticate(ALL + "x")).isEmpty();
    assertThat(tokens.authenticate(ALL.substring(1))).isEmpty();
  }

  @Test
  void shouldRefuseShortTokensAndEmptyFilesWithTheLine() {
    assertThatThrownBy(() -> TokenFile.parse(List.of("# c", "short"), "f.txt"))
        .hasMessageContaining("f.txt line 2")
        .hasMessageContaining("shorter than 16");
    assertThatThrownBy(() -> TokenFile.parse(List.of("# only a comment"), "f.txt"))
        .hasMessageContaining("holds no token");
    assertThatThrownBy(() -> TokenFile.parse(List.of(ALL + " a, b c"), "f.txt"))
        .hasMessageContaining("line 1");
  }
}
