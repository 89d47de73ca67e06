package io.cmrwatch.ingest.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cmrwatch.core.event.LossEventCodec;
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

  @Test
  void shouldRejectSeveralDocumentsInASingleJsonBody() {
    byte[] three = bytes(event("r", 1, 2) + "\n" + event("r", 2, 2) + "\n" + event("r", 3, 2));
    DecodedBatch batch = BatchDecoder.single(three, three.length);
    assertThat(batch.events()).isEmpty();
    assertThat(batch.rejected())
        .singleElement()
        .satisfies(r -> assertThat(r.reason()).isEqualTo(Rejection.MALFORMED_JSON));
  }

  @Test
  void shouldRejectLinesWithTrailingDocumentsGarbageOrDuplicateFields() throws Exception {
    String dup =
        event("r", 4, 2)
            .replace("\"experiment\":\"exp\"", "\"experiment\":\"b\",\"experiment\":\"a\"");
    byte[] b =
        bytes(
            event("r", 1, 2)
                + event("r", 2, 2)
                + "\n"
                + event("r", 3, 2)
                + " garbage\n"
                + dup
                + "\n"
                + event("r", 5, 2)
                + "\n");
    DecodedBatch batch = BatchDecoder.ndjson(b, b.length, 10);
    assertThat(batch.events()).extracting(e -> e.tokens()).containsExactly(5L);
    assertThat(batch.rejected())
        .extracting(DecodedBatch.RejectedLine::reason)
        .containsOnly(Rejection.MALFORMED_JSON)
        .hasSize(3);
  }

  @Test
  void shouldSendTheCanonicalEncodingOfWhatWasValidated() throws Exception {
    String line =
        "{ \"extra\": {\"x\": [1, 2]}, " + event("r", 9, 2).substring(1).replace(",", " , ") + "  ";
    byte[] b = bytes(line + "\n");
    DecodedBatch batch = BatchDecoder.ndjson(b, b.length, 10);
    assertThat(batch.json())
        .singleElement()
        .satisfies(
            j ->
                assertThat(new String(j, StandardCharsets.UTF_8))
                    .isEqualTo(LossEventCodec.encodeToString(batch.events().get(0)))
                    .doesNotContain("extra"));
  }

  @Test
  void shouldRejectAnOversizedLineAloneAndKeepTheOthers() throws Exception {
    String huge =
        event("r", 2, 2)
            .replace("{\"schema\"", "{\"pad\":\"" + "p".repeat(2 << 20) + "\",\"schema\"");
    byte[] b = bytes(event("r", 1, 2) + "\n" + huge + "\n" + event("r", 3, 2) + "\n");
    DecodedBatch batch = BatchDecoder.ndjson(b, b.length, 10);
    assertThat(batch.events()).extracting(e -> e.tokens()).containsExactly(1L, 3L);
    assertThat(batch.rejected())
        .singleElement()
        .satisfies(r -> assertThat(r.reason()).isEqualTo(Rejection.EVENT_TOO_LARGE))
        .satisfies(r -> assertThat(r.line()).isEqualTo(2));
    assertThat(batch.json()).allSatisfy(j -> assertThat(j.length).isLessThan(4096));
  }
}
