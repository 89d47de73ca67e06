package io.cmrwatch.streams.topology;

import io.cmrwatch.core.cmr.EstimateJson;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.kafka.serde.LossEventSerde;
import io.cmrwatch.kafka.topic.Topic;
import io.cmrwatch.kafka.topic.TopicNames;
import io.cmrwatch.streams.advice.RatioAdviceMessage;
import io.cmrwatch.streams.alert.Alert;
import io.cmrwatch.streams.json.Json;
import io.cmrwatch.streams.publish.RunFitRecord;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Every topic the streams app reads or writes, each with its key and value types: the one place
 * that names them (under the configured prefix) and states their wire format.
 *
 * @param lossEvents the input: loss events, key the experiment id
 * @param lossEventsDlq the dead-letter topic: records as received, with the reason in headers
 * @param runFits each run's published fit, key the run id
 * @param cmrEstimates each experiment's published estimate (core's JSON), key the experiment id
 * @param alerts alert transitions, key the run id
 * @param ratioAdvice ratio advice, key the run id
 * @param experiments optional per-experiment settings (compacted), key the experiment id
 */
public record Topics(
    Topic<String, LossEvent> lossEvents,
    Topic<byte[], byte[]> lossEventsDlq,
    Topic<String, RunFitRecord> runFits,
    Topic<String, ExperimentEstimate> cmrEstimates,
    Topic<String, Alert> alerts,
    Topic<String, RatioAdviceMessage> ratioAdvice,
    Topic<String, byte[]> experiments) {

  /** Core's estimates as {@code cmrwatch fit} prints them ({@link EstimateJson}). */
  static final Serde<ExperimentEstimate> ESTIMATES =
      Serdes.serdeFrom(
          (Serializer<ExperimentEstimate>) (t, e) -> e == null ? null : EstimateJson.bytes(e),
          (Deserializer<ExperimentEstimate>)
              (t, b) ->
                  b == null ? null : EstimateJson.read(new String(b, StandardCharsets.UTF_8)));

  /** The topics under {@code names}' prefix. */
  public static Topics of(TopicNames names) {
    return new Topics(
        new Topic<>(names.lossEvents(), Serdes.String(), new LossEventSerde()),
        new Topic<>(names.lossEventsDlq(), Serdes.ByteArray(), Serdes.ByteArray()),
        new Topic<>(names.runFits(), Serdes.String(), Json.serde(RunFitRecord.class)),
        new Topic<>(names.cmrEstimates(), Serdes.String(), ESTIMATES),
        new Topic<>(names.alerts(), Serdes.String(), Json.serde(Alert.class)),
        new Topic<>(names.ratioAdvice(), Serdes.String(), Json.serde(RatioAdviceMessage.class)),
        new Topic<>(names.experiments(), Serdes.String(), Serdes.ByteArray()));
  }
}
