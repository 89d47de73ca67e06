package io.cmrwatch.core.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LossEventCodecTest {

  static final String DESIGN_EXAMPLE =
      """
      {"schema":1,"experiment":"llama460m-finance-20b","run":"r025-s1","ratio":0.25,
       "tokens":1200000000,"step":600,"generalLoss":2.3412,"domainLoss":1.9021,
       "baseGeneralLoss":2.3000,"baseDomainLoss":2.2000,"budgetTokens":20000000000,
       "learningRate":3.0e-5,"time":"2026-11-28T12:00:00Z","eventId":"r025-s1/600"}
      """;

  @Test
  void shouldDecodeTheDesignExample() {
    LossEvent e = LossEventCodec.decode(DESIGN_EXAMPLE);
    assertThat(e.experiment()).isEqualTo("llama460m-finance-20b");
    assertThat(e.run()).isEqualTo("r025-s1");
    assertThat(e.ratio()).isEqualTo(0.25);
    assertThat(e.tokens()).isEqualTo(1_200_000_000L);
    assertThat(e.step()).isEqualTo(600L);
    assertThat(e.budgetTokens()).isEqualTo(20_000_000_000L);
    assertThat(e.time()).isEqualTo(Instant.parse("2026-11-28T12:00:00Z"));
    assertThat(e.generalLossIncrease())
        .isCloseTo(0.0412, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(e.domainLossChange())
        .isCloseTo(-0.2979, org.assertj.core.api.Assertions.within(1e-12));
  }

  @Test
  void shouldRoundTripEveryField() {
    LossEvent e =
        LossEvent.builder()
            .experiment("exp-1")
            .run("r1")
            .ratio(1.0)
            .tokens(0)
            .step(0L)
            .generalLoss(3.25)
            .domainLoss(0.0)
            .baseGeneralLoss(3.25)
            .baseDomainLoss(4.5)
            .budgetTokens(1L)
            .learningRate(0.0)
            .time(Instant.parse("2026-01-02T03:04:05.678Z"))
            .eventId("r1/0")
            .epsilon(0.02)
            .lambda(100.0)
            .tokenUnit(1e6)
            .build();
    assertThat(LossEventCodec.decode(LossEventCodec.encode(e))).isEqualTo(e);
    LossEvent minimal =
        e.toBuilder()
            .step(null)
            .budgetTokens(null)
            .learningRate(null)
            .time(null)
            .epsilon(null)
            .lambda(null)
            .tokenUnit(null)
            .build();
    String json = LossEventCodec.encodeToString(minimal);
    assertThat(json)
        .doesNotContain(
            "step", "budgetTokens", "learningRate", "time", "epsilon", "lambda", "tokenUnit");
    assertThat(LossEventCodec.decode(json)).isEqualTo(minimal);
  }

  @Test
  void shouldIgnoreUnknownFieldsAndAcceptIntegralFloatTokens() {
    LossEvent e =
        LossEventCodec.decode(
            DESIGN_EXAMPLE
                .replace("\"tokens\":1200000000", "\"tokens\":1.2e9")
                .replace("{\"schema\":1", "{\"schema\":1,\"host\":\"gpu-node-7\""));
    assertThat(e.tokens()).isEqualTo(1_200_000_000L);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "not json                | <<<                                          | malformed_json     | not valid JSON",
        "array                   | []                                           | malformed_json     | expected a JSON object",
        "empty                   | ''                                           | missing_field      | empty record",
        "missing run             | \"run\":\"r025-s1\",=>                      | missing_field      | run is required",
        "null eventId            | \"eventId\":\"r025-s1/600\"=>\"eventId\":null | missing_field | eventId is required",
        "blank experiment        | \"experiment\":\"llama460m-finance-20b\"=>\"experiment\":\"  \" | missing_field | must not be blank",
        "id with space           | \"run\":\"r025-s1\"=>\"run\":\"r 1\"        | bad_id             | white space",
        "schema 2                | \"schema\":1=>\"schema\":2                  | unknown_schema     | schema 2 is not supported",
        "ratio zero              | \"ratio\":0.25=>\"ratio\":0                 | ratio_out_of_range | ratio must be in (0, 1]",
        "ratio above one         | \"ratio\":0.25=>\"ratio\":1.5               | ratio_out_of_range | got 1.5",
        "negative tokens         | \"tokens\":1200000000=>\"tokens\":-5        | negative_tokens    | tokens must be >= 0",
        "fractional tokens       | \"tokens\":1200000000=>\"tokens\":12.5      | wrong_type         | whole number",
        "string tokens           | \"tokens\":1200000000=>\"tokens\":\"many\"  | wrong_type         | tokens must be a whole number",
        "NaN loss as string      | \"generalLoss\":2.3412=>\"generalLoss\":\"NaN\" | non_finite_loss | generalLoss must be a finite number",
        "Infinity loss           | \"domainLoss\":1.9021=>\"domainLoss\":\"-Infinity\" | non_finite_loss | domainLoss",
        "NaN literal             | \"generalLoss\":2.3412=>\"generalLoss\":NaN | malformed_json     | not valid JSON",
        "negative loss           | \"domainLoss\":1.9021=>\"domainLoss\":-0.1  | negative_loss      | domainLoss must be >= 0",
        "negative base loss      | \"baseGeneralLoss\":2.3000=>\"baseGeneralLoss\":-1 | negative_loss | baseGeneralLoss",
        "string loss             | \"generalLoss\":2.3412=>\"generalLoss\":\"2.3\" | wrong_type     | must be a number",
        "negative step           | \"step\":600=>\"step\":-1                   | negative_step      | step must be >= 0",
        "zero budget             | \"budgetTokens\":20000000000=>\"budgetTokens\":0 | bad_budget    | budgetTokens must be > 0",
        "negative learning rate  | \"learningRate\":3.0e-5=>\"learningRate\":-1 | bad_setting       | learningRate",
        "bad time                | \"time\":\"2026-11-28T12:00:00Z\"=>\"time\":\"yesterday\" | bad_time | ISO-8601",
        "numeric time            | \"time\":\"2026-11-28T12:00:00Z\"=>\"time\":12 | bad_time         | ISO-8601",
      })
  void shouldRejectMalformedOrImpossibleEventsWithReason(
      String name, String edit, String code, String message) {
    String json = applyEdit(edit);
    InvalidEventException ex =
        catchThrowableOfType(InvalidEventException.class, () -> LossEventCodec.decode(json));
    assertThat(ex).as("%s should be rejected", name).isNotNull();
    assertThat(ex.rejection().code()).isEqualTo(code);
    assertThat(ex.getMessage()).contains(message);
  }

  /**
   * "a=>b" replaces a by b in the design example; "a=>" deletes a; anything else is the whole
   * record.
   */
  private static String applyEdit(String edit) {
    if (edit.contains("=>")) {
      String[] parts = edit.split("=>", -1);
      assertThat(DESIGN_EXAMPLE).contains(parts[0]);
      return DESIGN_EXAMPLE.replace(parts[0], parts[1]);
    }
    return edit;
  }

  @Test
  void shouldRejectProgrammaticNaN() {
    InvalidEventException ex =
        catchThrowableOfType(
            InvalidEventException.class,
            () ->
                LossEventCodec.decode(DESIGN_EXAMPLE).toBuilder().generalLoss(Double.NaN).build());
    assertThat(ex.rejection()).isEqualTo(Rejection.NON_FINITE_LOSS);
  }
}
