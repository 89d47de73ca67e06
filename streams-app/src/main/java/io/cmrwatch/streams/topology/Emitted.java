package io.cmrwatch.streams.topology;

import io.cmrwatch.kafka.topic.TopicNames;

/**
 * A record a processor emits, tagged with where it goes; the topology routes it to its output topic
 * (or, for {@link Kind#RUN_UPDATE}, through the repartition to the experiment level).
 *
 * @param kind where it goes
 * @param value the encoded value (JSON for the output topics)
 */
public record Emitted(Kind kind, byte[] value) {

  /** The destinations. */
  public enum Kind {
    RUN_FIT,
    ALERT,
    ESTIMATE,
    ADVICE,
    RUN_UPDATE;

    /** The output topic of this kind. */
    String topic(TopicNames names) {
      return switch (this) {
        case RUN_FIT -> names.runFits();
        case ALERT -> names.alerts();
        case ESTIMATE -> names.cmrEstimates();
        case ADVICE -> names.ratioAdvice();
        case RUN_UPDATE ->
            throw new IllegalStateException("run updates go through the repartition topic");
      };
    }
  }
}
