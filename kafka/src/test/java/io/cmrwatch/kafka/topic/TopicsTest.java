package io.cmrwatch.kafka.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.cmrwatch.core.event.InvalidEventException;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.kafka.advice.RatioAdvice;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class TopicsTest {

  @Test
  void shouldNameEveryTopicUnderThePrefix() {
    Topics t = Topics.withPrefix("team-a.");
    assertThat(t.lossEvents().name()).isEqualTo("team-a.cpt.loss-events");
    assertThat(t.lossEventsDlq().name()).isEqualTo("team-a.cpt.loss-events.dlq");
    assertThat(t.runFits().name()).isEqualTo("team-a.cpt.run-fits");
    assertThat(t.cmrEstimates().name()).isEqualTo("team-a.cpt.cmr-estimates");
    assertThat(t.alerts().name()).isEqualTo("team-a.cpt.alerts");
    assertThat(t.ratioAdvice().name()).isEqualTo("team-a.cpt.ratio-advice");
    assertThat(t.experiments().name()).isEqualTo("team-a.cpt.experiments");
    assertThat(t.allNames()).hasSize(7).allMatch(n -> n.startsWith("team-a.cpt."));
    assertThat(Topics.defaults().lossEvents().name()).isEqualTo("cpt.loss-events");
    assertThat(Topics.defaults()).isEqualTo(Topics.withPrefix(""));
  }

  @Test
  void shouldRejectAnIllegalPrefix() {
    assertThatThrownBy(() -> Topics.withPrefix("a b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("may only contain");
  }

  @Test
  void shouldCarryTheLossEventWireFormat() {
    Topic<String, LossEvent> topic = Topics.defaults().lossEvents();
    LossEvent e =
        LossEvent.builder()
            .experiment("exp")
            .run("r1")
            .ratio(0.25)
            .tokens(1_000_000)
            .generalLoss(2.3)
            .domainLoss(1.9)
            .baseGeneralLoss(2.2)
            .baseDomainLoss(2.1)
            .eventId("r1/1")
            .build();
    assertThat(topic.decodeValue(topic.encodeValue(e))).isEqualTo(e);
    ProducerRecord<String, LossEvent> r = topic.record("r1", e);
    assertThat(r.topic()).isEqualTo("cpt.loss-events");
    assertThat(r.key()).isEqualTo("r1");
    assertThat(topic.decodeKey("r1".getBytes(StandardCharsets.UTF_8))).isEqualTo("r1");
    assertThatThrownBy(() -> topic.decodeValue("{}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(InvalidEventException.class);
  }

  @Test
  void shouldCarryJsonAndAdviceWireFormats() {
    Topic<String, JsonNode> estimates = Topics.defaults().cmrEstimates();
    JsonNode n =
        estimates.decodeValue("{\"schema\":1,\"cmr\":0.3}".getBytes(StandardCharsets.UTF_8));
    assertThat(n.get("cmr").asDouble()).isEqualTo(0.3);
    assertThat(estimates.decodeValue(estimates.encodeValue(n))).isEqualTo(n);
    assertThatThrownBy(() -> estimates.decodeValue("{".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(SerializationException.class);

    Topic<String, RatioAdvice> advice = Topics.defaults().ratioAdvice();
    RatioAdvice a = new RatioAdvice(1, "e", "r", 0.5, 0.3, "x", null, null, null, null);
    assertThat(advice.decodeValue(advice.encodeValue(a))).isEqualTo(a);
    assertThat(advice.decodeValue(null)).isNull();
  }
}
