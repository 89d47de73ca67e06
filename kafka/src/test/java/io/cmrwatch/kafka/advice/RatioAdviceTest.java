package io.cmrwatch.kafka.advice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RatioAdviceTest {

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void shouldRoundTripEveryField() {
    RatioAdvice a =
        new RatioAdvice(
            1,
            "exp",
            "r050",
            0.5,
            0.271,
            "ratio_above_cmr_interval",
            0.298,
            0.271,
            0.326,
            Instant.parse("2026-11-28T12:03:10.250Z"));
    assertThat(RatioAdvice.parse(a.toJson())).isEqualTo(a);
    assertThat(new String(a.toJson(), StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"schema\":1,\"experiment\":\"exp\",\"run\":\"r050\",\"currentRatio\":0.5,"
                + "\"advisedRatio\":0.271,\"reason\":\"ratio_above_cmr_interval\",\"cmr\":0.298,"
                + "\"cmrLow\":0.271,\"cmrHigh\":0.326,\"time\":\"2026-11-28T12:03:10.250Z\"}");
  }

  @Test
  void shouldIgnoreUnknownFieldsAndLeaveMissingOnesNull() {
    RatioAdvice a =
        RatioAdvice.parse(utf8("{\"run\":\"r\",\"advisedRatio\":0.35,\"newField\":[1,2]}"));
    assertThat(a.run()).isEqualTo("r");
    assertThat(a.advisedRatio()).isEqualTo(0.35);
    assertThat(a.schema()).isZero();
    assertThat(a.cmr()).isNull();
    assertThat(a.time()).isNull();
    assertThat(new String(a.toJson(), StandardCharsets.UTF_8))
        .isEqualTo("{\"schema\":0,\"run\":\"r\",\"advisedRatio\":0.35}");
  }

  @Test
  void shouldRejectWhatIsNotAdvice() {
    assertThatThrownBy(() -> RatioAdvice.parse(utf8("not json")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a ratio-advice message");
    assertThatThrownBy(() -> RatioAdvice.parse(utf8("[1]")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RatioAdvice.parse(utf8("{\"advisedRatio\":0.3}")))
        .hasMessageContaining("needs a run");
    assertThatThrownBy(() -> RatioAdvice.parse(utf8("{\"run\":\"r\",\"advisedRatio\":1.5}")))
        .hasMessageContaining("advisedRatio");
    assertThatThrownBy(() -> RatioAdvice.parse(utf8("{\"run\":\"r\",\"advisedRatio\":\"x\"}")))
        .hasMessageContaining("advisedRatio");
    assertThatThrownBy(
            () -> RatioAdvice.parse(utf8("{\"run\":\"r\",\"advisedRatio\":0.3,\"time\":\"noon\"}")))
        .hasMessageContaining("bad time");
  }
}
