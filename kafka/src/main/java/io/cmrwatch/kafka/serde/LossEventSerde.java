package io.cmrwatch.kafka.serde;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.event.LossEventCodec;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for {@link LossEvent} in the shared JSON schema. The deserializer throws {@link
 * io.cmrwatch.core.event.InvalidEventException} (with its reason) on a malformed or impossible
 * record; the streams app's deserialization handler turns that into a dead-letter record.
 */
public final class LossEventSerde implements Serde<LossEvent> {

  private static final Serializer<LossEvent> SERIALIZER =
      (topic, event) -> event == null ? null : LossEventCodec.encode(event);
  private static final Deserializer<LossEvent> DESERIALIZER =
      (topic, bytes) -> bytes == null ? null : LossEventCodec.decode(bytes);

  @Override
  public Serializer<LossEvent> serializer() {
    return SERIALIZER;
  }

  @Override
  public Deserializer<LossEvent> deserializer() {
    return DESERIALIZER;
  }
}
