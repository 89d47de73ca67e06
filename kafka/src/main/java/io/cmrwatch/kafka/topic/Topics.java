package io.cmrwatch.kafka.topic;

import com.fasterxml.jackson.databind.JsonNode;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.kafka.advice.RatioAdvice;
import io.cmrwatch.kafka.serde.CmrSerdes;
import io.cmrwatch.kafka.serde.LossEventSerde;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every topic the cmrwatch apps read or write, as typed descriptors under one prefix (see {@link
 * TopicNames} for the names). Immutable; build with {@link #withPrefix(String)}.
 *
 * @param names the topic names under the prefix
 */
public record Topics(TopicNames names) {

  public Topics {
    if (names == null) {
      names = TopicNames.defaults();
    }
  }

  /** The topics with no prefix. */
  public static Topics defaults() {
    return new Topics(TopicNames.defaults());
  }

  /** The topics under {@code prefix} (for example {@code "team-a."}). */
  public static Topics withPrefix(String prefix) {
    return new Topics(TopicNames.withPrefix(prefix));
  }

  /** The prefix, possibly empty. */
  public String prefix() {
    return names.prefix();
  }

  /** The loss events: UTF-8 key, the shared JSON schema as value (README, "The loss event"). */
  public Topic<String, LossEvent> lossEvents() {
    return new Topic<>(names.lossEvents(), Serdes.String(), new LossEventSerde());
  }

  /**
   * Loss-event records that could not be used, byte for byte as received (key and value), with the
   * reason in headers.
   */
  public Topic<byte[], byte[]> lossEventsDlq() {
    return new Topic<>(names.lossEventsDlq(), Serdes.ByteArray(), Serdes.ByteArray());
  }

  /** Per-run fits (key: run id), JSON with a {@code schema} version (docs/streams.md). */
  public Topic<String, JsonNode> runFits() {
    return new Topic<>(names.runFits(), Serdes.String(), CmrSerdes.json());
  }

  /** CMR estimates (key: experiment id), JSON with a {@code schema} version. */
  public Topic<String, JsonNode> cmrEstimates() {
    return new Topic<>(names.cmrEstimates(), Serdes.String(), CmrSerdes.json());
  }

  /** Alerts firing and resolving (key: run or experiment id), JSON. */
  public Topic<String, JsonNode> alerts() {
    return new Topic<>(names.alerts(), Serdes.String(), CmrSerdes.json());
  }

  /** Ratio advice for a run (key: run id). */
  public Topic<String, RatioAdvice> ratioAdvice() {
    return new Topic<>(names.ratioAdvice(), Serdes.String(), CmrSerdes.ratioAdvice());
  }

  /** Optional experiment settings (key: experiment id; compacted), JSON. */
  public Topic<String, JsonNode> experiments() {
    return new Topic<>(names.experiments(), Serdes.String(), CmrSerdes.json());
  }

  /** Every topic's name, input and output, in a stable order. */
  public List<String> allNames() {
    return names.all();
  }
}
