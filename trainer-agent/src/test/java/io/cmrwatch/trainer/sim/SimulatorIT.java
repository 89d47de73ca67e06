package io.cmrwatch.trainer.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.kafka.serde.LossEventSerde;
import io.cmrwatch.kafka.topic.TopicNames;
import io.cmrwatch.testkit.KafkaCluster;
import io.cmrwatch.testkit.KafkaExtension;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SimulatorIT {

  @Test
  void shouldPublishEveryRunsEvaluationsKeyedByUniqueRunIds(KafkaCluster kafka) throws Exception {
    String prefix = kafka.uniqueTopic("sim") + ".";
    String topic = TopicNames.withPrefix(prefix).lossEvents();
    kafka.createTopics(3, topic);
    Simulator.Result result =
        new Simulator().run(new Simulator.Options(2, 3, 5, 0, 7, kafka.bootstrapServers(), prefix));

    assertThat(result.trueCmr()).containsOnlyKeys("synth-7", "synth-8");
    assertThat(result.trueCmr().values()).allSatisfy(c -> assertThat(c).isBetween(0.0, 1.0));
    assertThat(result.failed()).isZero();
    // 2 experiments × 3 runs × (T = 0 + 5 evaluations).
    assertThat(result.published()).isEqualTo(36);
    List<ConsumerRecord<String, LossEvent>> records =
        kafka.readAll(
            topic,
            new StringDeserializer(),
            new LossEventSerde().deserializer(),
            IsolationLevel.READ_COMMITTED);
    assertThat(records)
        .hasSize(36)
        .allSatisfy(r -> assertThat(r.key()).isEqualTo(r.value().experiment()));
    Map<String, Long> perRun =
        records.stream()
            .collect(Collectors.groupingBy(r -> r.value().run(), Collectors.counting()));
    assertThat(perRun).hasSize(6).allSatisfy((run, n) -> assertThat(n).isEqualTo(6));
    assertThat(records).extracting(r -> r.value().eventId()).doesNotHaveDuplicates();
  }

  @Test
  void shouldThrottleToTheGivenRate(KafkaCluster kafka) throws Exception {
    String prefix = kafka.uniqueTopic("simrate") + ".";
    kafka.createTopics(1, TopicNames.withPrefix(prefix).lossEvents());
    // 1 experiment × 2 runs × (1 + 4) = 10 events at 20/s: event 9 is due after 0.45 s.
    Simulator.Result result =
        new Simulator()
            .run(new Simulator.Options(1, 2, 4, 20, 3, kafka.bootstrapServers(), prefix));
    assertThat(result.published()).isEqualTo(10);
    assertThat(result.seconds()).isGreaterThanOrEqualTo(0.44);
  }
}
