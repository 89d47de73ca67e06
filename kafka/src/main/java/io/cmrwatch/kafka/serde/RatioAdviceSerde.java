package io.cmrwatch.kafka.serde;

import io.cmrwatch.kafka.advice.RatioAdvice;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for {@link RatioAdvice} in its JSON form. The deserializer throws {@link
 * IllegalArgumentException} on a record that is not advice.
 */
public final class RatioAdviceSerde implements Serde<RatioAdvice> {

  private static final Serializer<RatioAdvice> SERIALIZER =
      (topic, advice) -> advice == null ? null : advice.toJson();
  private static final Deserializer<RatioAdvice> DESERIALIZER =
      (topic, bytes) -> bytes == null ? null : RatioAdvice.parse(bytes);

  @Override
  public Serializer<RatioAdvice> serializer() {
    return SERIALIZER;
  }

  @Override
  public Deserializer<RatioAdvice> deserializer() {
    return DESERIALIZER;
  }
}
