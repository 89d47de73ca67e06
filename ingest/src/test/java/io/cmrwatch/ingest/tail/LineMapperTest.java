package io.cmrwatch.ingest.tail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cmrwatch.core.event.InvalidEventException;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.event.Rejection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LineMapperTest {

  static final Map<String, String> FIXED =
      Map.of(
          "experiment",
          "exp-1",
          "run",
          "r025",
          "ratio",
          "0.25",
          "baseGeneralLoss",
          "2.3",
          "baseDomainLoss",
          "2.2");

  @Test
  void shouldMapNestedJsonPathsAndFillFixedValuesAndDeriveTheEventId() {
    LineMapper m =
        new LineMapper(
            LogFormat.JSONL,
            Map.of(
                "generalLoss",
                "eval/general_loss",
                "domainLoss",
                "eval/domain_loss",
                "tokens",
                "num_tokens"),
            FIXED,
            null);
    LossEvent e =
        m.map(
            "{\"num_tokens\":1.2e9,\"step\":600,\"eval\":{\"general_loss\":2.34,\"domain_loss\":\"1.9\"}}");
    assertThat(e.experiment()).isEqualTo("exp-1");
    assertThat(e.run()).isEqualTo("r025");
    assertThat(e.ratio()).isEqualTo(0.25);
    assertThat(e.tokens()).isEqualTo(1_200_000_000L);
    assertThat(e.step()).isEqualTo(600L);
    assertThat(e.generalLoss()).isEqualTo(2.34);
    assertThat(e.domainLoss()).isEqualTo(1.9);
    assertThat(e.eventId()).isEqualTo("r025/1200000000");
  }

  @Test
  void shouldPreferTheLogsValueOverTheFixedOne() {
    LineMapper m = new LineMapper(LogFormat.JSONL, Map.of(), FIXED, null);
    LossEvent e =
        m.map(
            "{\"run\":\"r050\",\"ratio\":0.5,\"tokens\":10,\"generalLoss\":2,\"domainLoss\":2,"
                + "\"eventId\":\"given\"}");
    assertThat(e.run()).isEqualTo("r050");
    assertThat(e.ratio()).isEqualTo(0.5);
    assertThat(e.eventId()).isEqualTo("given");
  }

  @Test
  void shouldMapCsvColumnsByHeader() {
    LineMapper m =
        new LineMapper(
            LogFormat.CSV, Map.of("generalLoss", "gen", "domainLoss", "dom"), FIXED, null);
    assertThat(m.needsHeader()).isTrue();
    m.header("tokens,step,gen,dom,note");
    assertThat(m.isHeader("tokens, step ,gen,dom,note")).isTrue();
    LossEvent e = m.map("1000,1,2.31,1.95,\"a, quoted \"\"note\"\"\"");
    assertThat(e.tokens()).isEqualTo(1000);
    assertThat(e.generalLoss()).isEqualTo(2.31);
    assertThat(e.eventId()).isEqualTo("r025/1000");
    LineMapper given =
        new LineMapper(
            LogFormat.CSV, Map.of(), FIXED, List.of("tokens", "generalLoss", "domainLoss"));
    assertThat(given.needsHeader()).isFalse();
    assertThat(given.map("5,2.0,1.0").tokens()).isEqualTo(5);
  }

  @Test
  void shouldRejectBadLinesWithTheirReason() {
    LineMapper m = new LineMapper(LogFormat.JSONL, Map.of(), FIXED, null);
    assertThatThrownBy(() -> m.map("{\"tokens\":1,\"generalLoss\":\"nan\",\"domainLoss\":1}"))
        .isInstanceOf(InvalidEventException.class)
        .satisfies(
            t ->
                assertThat(((InvalidEventException) t).rejection())
                    .isEqualTo(Rejection.NON_FINITE_LOSS));
    assertThatThrownBy(() -> m.map("step 5 loss 2.3"))
        .satisfies(
            t ->
                assertThat(((InvalidEventException) t).rejection())
                    .isEqualTo(Rejection.MALFORMED_JSON));
    assertThatThrownBy(() -> m.map("{\"generalLoss\":2,\"domainLoss\":1}"))
        .satisfies(
            t ->
                assertThat(((InvalidEventException) t).rejection())
                    .isEqualTo(Rejection.MISSING_FIELD));
    LineMapper csv =
        new LineMapper(
            LogFormat.CSV, Map.of(), FIXED, List.of("tokens", "generalLoss", "domainLoss"));
    assertThatThrownBy(() -> csv.map("1,2")).hasMessageContaining("2 cells, the header has 3");
  }

  @Test
  void shouldRefuseUnknownFieldsAtStart() {
    assertThatThrownBy(
            () -> new LineMapper(LogFormat.JSONL, Map.of("genLoss", "x"), Map.of(), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown event field \"genLoss\"");
  }
}
