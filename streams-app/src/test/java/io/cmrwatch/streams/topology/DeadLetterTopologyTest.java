package io.cmrwatch.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.event.LossEventCodec;
import io.cmrwatch.streams.dlq.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeadLetterTopologyTest {

  @TempDir Path dir;

  static LossEvent good(String run, long tokens) {
    return LossEvent.builder()
        .experiment("exp")
        .run(run)
        .ratio(0.25)
        .tokens(tokens)
        .generalLoss(2.31)
        .domainLoss(2.0)
        .baseGeneralLoss(2.3)
        .baseDomainLoss(2.2)
        .budgetTokens(20_000_000_000L)
        .eventId(run + "/" + tokens)
        .build();
  }

  @Test
  void shouldSendEveryClassOfBadInputToTheDeadLetterTopicWithItsReasonAndKeepGoing() {
    try (Harness h = new Harness(dir, Map.of())) {
      String valid = LossEventCodec.encodeToString(good("r1", 1_000_000));
      Map<String, String> bad = new LinkedHashMap<>();
      bad.put("malformed_json", "{not json");
      bad.put("missing_field", valid.replace("\"generalLoss\":2.31,", ""));
      bad.put("wrong_type", valid.replace("\"tokens\":1000000", "\"tokens\":\"many\""));
      bad.put("unknown_schema", valid.replace("\"schema\":1", "\"schema\":7"));
      bad.put("ratio_out_of_range", valid.replace("\"ratio\":0.25", "\"ratio\":1.5"));
      bad.put("negative_tokens", valid.replace("\"tokens\":1000000", "\"tokens\":-5"));
      bad.put("non_finite_loss", valid.replace("\"generalLoss\":2.31", "\"generalLoss\":\"NaN\""));
      bad.put("negative_loss", valid.replace("\"domainLoss\":2.0", "\"domainLoss\":-1.0"));
      bad.put("bad_budget", valid.replace("\"budgetTokens\":20000000000", "\"budgetTokens\":0"));
      bad.put("bad_time", valid.replace("\"eventId\"", "\"time\":\"yesterday\",\"eventId\""));
      bad.put("bad_id", valid.replace("\"run\":\"r1\"", "\"run\":\"r 1\""));
      for (String body : bad.values()) {
        h.sendRaw("exp", body);
      }
      h.sendRaw("exp", null);
      h.sendRaw(
          "exp",
          "{\"schema\":1,\"experiment\":\"exp\",\"run\":\"r1\",\"ratio\":0.25,\"tokens\":5,"
              + "\"generalLoss\":1e9,\"domainLoss\":2,\"baseGeneralLoss\":2,\"baseDomainLoss\":2,\"eventId\":\"x\"}");
      // The app keeps going: a valid event after all that is processed.
      h.sendRaw("exp", valid);
      h.settle();

      List<TestRecord<byte[], byte[]>> dead = h.dlq.readRecordsToList();
      List<String> reasons =
          dead.stream().map(r -> DeadLetters.header(r.headers(), DeadLetters.REASON)).toList();
      assertThat(reasons)
          .containsExactlyElementsOf(
              concat(bad.keySet(), List.of("missing_field", "loss_out_of_range")));
      int i = 0;
      for (String body : bad.values()) {
        TestRecord<byte[], byte[]> r = dead.get(i);
        assertThat(new String(r.value(), StandardCharsets.UTF_8))
            .as("original bytes")
            .isEqualTo(body);
        assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("exp");
        assertThat(DeadLetters.header(r.headers(), DeadLetters.TOPIC)).isEqualTo("cpt.loss-events");
        assertThat(DeadLetters.header(r.headers(), DeadLetters.PARTITION)).isEqualTo("0");
        assertThat(DeadLetters.header(r.headers(), DeadLetters.OFFSET))
            .isEqualTo(Integer.toString(i));
        assertThat(DeadLetters.header(r.headers(), DeadLetters.MESSAGE)).isNotBlank();
        i++;
      }
      assertThat(h.runFits.readValuesToList()).hasSize(1);
      String metrics = h.metrics.scrape();
      assertThat(metrics)
          .contains(
              "cmrwatch_dlq_records_total{application=\"cmrwatch-streams\","
                  + "reason=\"malformed_json\"} 1.0");
      assertThat(metrics)
          .contains(
              "cmrwatch_dlq_records_total{application=\"cmrwatch-streams\","
                  + "reason=\"missing_field\"} 2.0");
      assertThat(metrics)
          .contains("cmrwatch_events_processed_total{application=\"cmrwatch-streams\"} 1.0");
      // A reason that has not occurred is exported at 0, so that the first one is an increase the
      // DLQ alert sees.
      assertThat(metrics)
          .contains(
              "cmrwatch_dlq_records_total{application=\"cmrwatch-streams\","
                  + "reason=\"processing_error\"} 0.0");
    }
  }

  private static List<String> concat(java.util.Collection<String> a, List<String> b) {
    List<String> all = new java.util.ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
