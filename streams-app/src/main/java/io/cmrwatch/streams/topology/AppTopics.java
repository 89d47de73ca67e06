package io.cmrwatch.streams.topology;

import io.cmrwatch.core.cmr.EstimateJson;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.kafka.advice.RatioAdvice;
import io.cmrwatch.kafka.topic.Topic;
import io.cmrwatch.kafka.topic.Topics;
import io.cmrwatch.streams.alert.Alert;
import io.cmrwatch.streams.json.Json;
import io.cmrwatch.streams.publish.RunFitRecord;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Every topic the streams app reads or writes, each with the key and value types the app uses: the
 * shared descriptors of {@link Topics} for the loss events, their dead letters and the ratio advice
 * (the agents read the same types), and the app's own records for the documents it writes.
 *
 * @param lossEvents the input: loss events, key the experiment id
 * @param lossEventsDlq the dead-letter topic: records as received, with the reason in headers
 * @param runFits each run's published fit, key the run id
 * @param cmrEstimates each experiment's published estimate (core's JSON), key the experiment id
 * @param alerts alert transitions, key the run id
 * @param ratioAdvice ratio advice, key the run id
 * @param experiments optional per-experiment settings (compacted), key the experiment id
 */
public record AppTopics(
    Topic<String, LossEvent> lossEvents,
    Topic<byte[], byte[]> lossEventsDlq,
    Topic<String, RunFitRecord> runFits,
    Topic<String, ExperimentEstimate> cmrEstimates,
    Topic<String, Alert> alerts,
    Topic<String, RatioAdvice> ratioAdvice,
    Topic<String, byte[]> experiments) {

  /** Core's estimates as {@code cmrwatch fit} prints them ({@link EstimateJson}). */
  static final Serde<ExperimentEstimate> ESTIMATES =
      Serdes.serdeFrom(
          (Serializer<ExperimentEstimate>) (t, e) -> e == null ? null : EstimateJson.bytes(e),
          (Deserializer<ExperimentEstimate>)
              (t, b) ->
                  b == null ? null : EstimateJson.read(new String(b, StandardCharsets.UTF_8)));

  /** The app's view of {@code shared}, under the same prefix. */
  public static AppTopics of(Topics shared) {
    var names = shared.names();
    return new AppTopics(
        shared.lossEvents(),
        shared.lossEventsDlq(),
        new Topic<>(names.runFits(), Serdes.String(), Json.serde(RunFitRecord.class)),
        new Topic<>(names.cmrEstimates(), Serdes.String(), ESTIMATES),
        new Topic<>(names.alerts(), Serdes.String(), Json.serde(Alert.class)),
        shared.ratioAdvice(),
        new Topic<>(names.experiments(), Serdes.String(), Serdes.ByteArray()));
  }
}
