package io.cmrwatch.kafka.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cmrwatch.kafka.advice.RatioAdvice;
import java.io.IOException;
import java.util.function.Function;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The Kafka serdes of the JSON values the apps exchange besides loss events ({@link
 * LossEventSerde}): the streams app's JSON documents (fits, estimates, alerts, experiment settings)
 * as Jackson trees, and {@link RatioAdvice}. A null value or null bytes pass through as null.
 */
public final class CmrSerdes {

  private static final ObjectMapper JSON = new ObjectMapper();

  private CmrSerdes() {}

  /**
   * UTF-8 JSON as a Jackson tree; bytes that are not JSON fail with a {@link
   * SerializationException}.
   */
  public static Serde<JsonNode> json() {
    return of(CmrSerdes::writeJson, CmrSerdes::readJson);
  }

  /**
   * {@link RatioAdvice} in its JSON form; a record that is not advice fails with {@link
   * IllegalArgumentException}.
   */
  public static Serde<RatioAdvice> ratioAdvice() {
    return of(RatioAdvice::toJson, RatioAdvice::parse);
  }

  /** A serde from an encoder and a decoder of non-null values. */
  static <T> Serde<T> of(Function<T, byte[]> encode, Function<byte[], T> decode) {
    return Serdes.serdeFrom(
        (topic, value) -> value == null ? null : encode.apply(value),
        (topic, bytes) -> bytes == null ? null : decode.apply(bytes));
  }

  private static byte[] writeJson(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new SerializationException("cannot write JSON: " + e.getMessage(), e);
    }
  }

  private static JsonNode readJson(byte[] bytes) {
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      throw new SerializationException("not JSON: " + e.getMessage(), e);
    }
  }
}
