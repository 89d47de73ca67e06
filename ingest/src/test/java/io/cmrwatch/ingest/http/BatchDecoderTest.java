package io.cmrwatch.ingest.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cmrwatch.core.event.Rejection;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BatchDecoderTest {

  static String event(String run, long tokens, double generalLoss) {
    return "{\"schema\":1,\"experiment\":\"exp\",\"run\":\""
        + run
        + "\",\"ratio\":0.25,\"tokens\":"
        + tokens
        + ",\"generalLoss\":"
        + generalLoss
        + ",\"domainLoss\":1.9,\"baseGeneralLoss\":2.3,\"baseDomainLoss\":2.2,"
        + "\"eventId\":\""
        + run
        + "/"
        + tokens
        + "\"}";
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void shouldKeepValidLinesAndNumberTheRejectedOnes() throws Exception {
    String body =
        event("r1", 1, 2.3)
            + "\r\n\n"
            + "{not json\n"
            + event("r1", 2, -1)
            + "\n"
            + event("r1", 3, 2.2);
    byte[] b = bytes(body);
    DecodedBatch batch = BatchDecoder.ndjson(b, b.length, 10);
    assertThat(batch.events()).extracting(e -> e.tokens()).containsExactly(1L, 3L);
    assertThat(batch.rejected()).extracting(DecodedBatch.RejectedLine::line).containsExactly(3, 4);
    assertThat(batch.rejected())
        .extracting(DecodedBatch.RejectedLine::reason)
        .containsExactly(Rejection.MALFORMED_JSON, Rejection.NEGATIVE_LOSS);
    assertThat(batch.rejected().get(1).message()).contains("generalLoss");
  }

  @Test
  void shouldLimitNonBlankLines() throws Exception {
    byte[] b = bytes(event("r", 1, 2) + "\n\n\n" + event("r", 2, 2) + "\n");
    assertThat(BatchDecoder.ndjson(b, b.length, 2).events()).hasSize(2);
    assertThatThrownBy(() -> BatchDecoder.ndjson(b, b.length, 1))
        .isInstanceOf(BatchDecoder.TooManyLinesException.class)
        .hasMessageContaining("more than 1 lines");
  }

  @Test
  void shouldDecodeOnlyTheGivenLengthOfTheBuffer() throws Exception {
    byte[] b = bytes(event("r", 1, 2) + "\ngarbage-after-the-end");
    int len = event("r", 1, 2).length() + 1;
    DecodedBatch batch = BatchDecoder.ndjson(b, len, 10);
    assertThat(batch.events()).hasSize(1);
    assertThat(batch.rejected()).isEmpty();
  }

  @Test
  void shouldDecodeASingleEventOrRejectItAsLineOne() {
    byte[] ok = bytes(event("r", 7, 2));
    assertThat(BatchDecoder.single(ok, ok.length).events())
        .singleElement()
        .satisfies(e -> assertThat(e.tokens()).isEqualTo(7));
    byte[] bad = bytes(event("r", -7, 2));
    DecodedBatch batch = BatchDecoder.single(bad, bad.length);
    assertThat(batch.events()).isEmpty();
    assertThat(batch.rejected())
        .singleElement()
        .satisfies(r -> assertThat(r.reason()).isEqualTo(Rejection.NEGATIVE_TOKENS))
        .satisfies(r -> assertThat(r.line()).isEqualTo(1));
  }
}
