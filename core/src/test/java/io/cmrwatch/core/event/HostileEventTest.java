package io.cmrwatch.core.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Inputs a hostile or careless producer sends: what the codec accepts is exactly what every later
 * reader of the topic accepts, and what it refuses carries a reason and a short message.
 */
class HostileEventTest {

  static final String VALID =
      "{\"schema\":1,\"experiment\":\"exp\",\"run\":\"r1\",\"ratio\":0.25,\"tokens\":100,"
          + "\"generalLoss\":2.3,\"domainLoss\":1.9,\"baseGeneralLoss\":2.3,\"baseDomainLoss\":2.2,"
          + "\"eventId\":\"r1/100\"}";

  static Rejection rejection(String json) {
    InvalidEventException e =
        catchThrowableOfType(InvalidEventException.class, () -> LossEventCodec.decode(json));
    assertThat(e)
        .as("rejected: %s", json.length() > 200 ? json.substring(0, 200) : json)
        .isNotNull();
    assertThat(e.getMessage().length()).isLessThan(1_000);
    return e.rejection();
  }

  @Test
  void shouldRejectAFieldNamedTwice() {
    String twice =
        VALID.replace(
            "\"experiment\":\"exp\"", "\"experiment\":\"team-b\",\"experiment\":\"team-a\"");
    assertThat(rejection(twice)).isEqualTo(Rejection.MALFORMED_JSON);
    // Also inside an unknown field, and on the tree path (a nested known field forces it).
    assertThat(rejection(VALID.replace("{\"schema\"", "{\"x\":{\"a\":1,\"a\":2},\"schema\"")))
        .isEqualTo(Rejection.MALFORMED_JSON);
    assertThat(rejection(VALID.replace("\"tokens\":100", "\"tokens\":100,\"tokens\":1e2")))
        .isEqualTo(Rejection.MALFORMED_JSON);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "%s%s",
        "%s\n%s",
        "%s garbage",
        "%s}",
        "%s,",
        "%s[]",
      })
  void shouldRejectAnythingAfterTheObject(String pattern) {
    assertThat(rejection(String.format(pattern, VALID, VALID).replace("%s", "")))
        .isEqualTo(Rejection.MALFORMED_JSON);
  }

  @Test
  void shouldAcceptTrailingWhiteSpace() {
    assertThat(LossEventCodec.decode(VALID + " \r\n\t").run()).isEqualTo("r1");
  }

  @Test
  void shouldRejectLoneSurrogatesInIdsAndKeepPairs() {
    assertThat(rejection(VALID.replace("\"run\":\"r1\"", "\"run\":\"r1\\ud800\"")))
        .isEqualTo(Rejection.BAD_ID);
    assertThat(rejection(VALID.replace("\"experiment\":\"exp\"", "\"experiment\":\"\\udc00exp\"")))
        .isEqualTo(Rejection.BAD_ID);
    assertThat(rejection(VALID.replace("\"eventId\":\"r1/100\"", "\"eventId\":\"\\ude00\\ud83d\"")))
        .isEqualTo(Rejection.BAD_ID);
    LossEvent pair =
        LossEventCodec.decode(VALID.replace("\"run\":\"r1\"", "\"run\":\"r1\\ud83d\\ude00\""));
    assertThat(pair.run()).isEqualTo("r1😀");
    assertThat(new String(pair.run().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
        .isEqualTo(pair.run());
  }

  @ParameterizedTest
  @ValueSource(strings = {"4294967297", "-4294967295", "9223372036854775807", "1e10", "2"})
  void shouldRejectSchemasThatOnlyWrapToOne(String schema) {
    Rejection r = rejection(VALID.replace("\"schema\":1", "\"schema\":" + schema));
    assertThat(r).isEqualTo(Rejection.UNKNOWN_SCHEMA);
  }

  @Test
  void shouldRejectLossesNoSummaryCanHold() {
    assertThat(rejection(VALID.replace("\"generalLoss\":2.3", "\"generalLoss\":1e300")))
        .isEqualTo(Rejection.LOSS_OUT_OF_RANGE);
    assertThat(rejection(VALID.replace("\"baseDomainLoss\":2.2", "\"baseDomainLoss\":1048576")))
        .isEqualTo(Rejection.LOSS_OUT_OF_RANGE);
    assertThat(
            LossEventCodec.decode(VALID.replace("\"domainLoss\":1.9", "\"domainLoss\":1048575.5"))
                .domainLoss())
        .isEqualTo(1048575.5);
    assertThat(LossEvent.MAX_LOSS).isEqualTo(io.cmrwatch.core.summary.RunSummary.MAX_LOSS);
  }

  @Test
  void shouldCallAnEmptyRecordAMissingEvent() {
    assertThat(
            catchThrowableOfType(
                    InvalidEventException.class, () -> LossEventCodec.decode(new byte[0]))
                .rejection())
        .isEqualTo(Rejection.MISSING_FIELD);
  }

  @Test
  void shouldRejectOversizedTextsBeforeParsingThem() {
    String padded =
        VALID.replace(
            "{\"schema\"",
            "{\"pad\":\"" + "p".repeat(LossEventCodec.MAX_JSON_BYTES) + "\",\"schema\"");
    assertThat(rejection(padded)).isEqualTo(Rejection.EVENT_TOO_LARGE);
  }

  @Test
  void shouldQuoteOnlyTheStartOfAHugeBadValue() {
    String hugeTime =
        VALID.replace("{\"schema\"", "{\"time\":\"" + "9".repeat(60_000) + "\",\"schema\"");
    InvalidEventException e =
        catchThrowableOfType(InvalidEventException.class, () -> LossEventCodec.decode(hugeTime));
    assertThat(e.rejection()).isEqualTo(Rejection.BAD_TIME);
    assertThat(e.getMessage()).hasSizeLessThan(400).contains("more characters");
  }

  @Test
  void shouldEncodeTheLargestValidEventInUnder4Kb() {
    String id = "😀".repeat(LossEvent.MAX_ID_LENGTH / 2);
    LossEvent e =
        LossEvent.builder()
            .experiment(id)
            .run(id)
            .eventId(id)
            .ratio(Double.MIN_VALUE)
            .tokens(Long.MAX_VALUE)
            .step(Long.MAX_VALUE)
            .generalLoss(-Double.MIN_VALUE + LossEvent.MAX_LOSS - 1e-9)
            .domainLoss(Double.MIN_VALUE)
            .baseGeneralLoss(1.2345678901234567e-300)
            .baseDomainLoss(1.2345678901234567e5)
            .budgetTokens(Long.MAX_VALUE)
            .learningRate(1.2345678901234567e300)
            .time(java.time.Instant.MAX)
            .epsilon(1.2345678901234567e-300)
            .lambda(1.2345678901234567e300)
            .tokenUnit(1.2345678901234567e300)
            .build();
    byte[] json = LossEventCodec.encode(e);
    assertThat(json.length).isLessThan(4096);
    assertThat(LossEventCodec.decode(json)).isEqualTo(e);
  }
}
