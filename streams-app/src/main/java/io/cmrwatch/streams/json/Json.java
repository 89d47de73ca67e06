package io.cmrwatch.streams.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The one JSON mapping of the streams app: its output records (core's estimate objects and the
 * app's own alerts and advice), its stored fits and its HTTP answers are all written by this mapper
 * from the records' Jackson annotations. Configured as core's {@code EstimateJson} (a test holds
 * them to the same bytes), so that an estimate written here reads exactly like {@code cmrwatch
 * fit}'s, and fields core adds flow through unchanged.
 */
public final class Json {

  /** Shared, thread-safe mapper. */
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          // Schubfach double writer and FastDoubleParser: exact round trips, several times faster
          // than the JDK 17 ones (every output record is mostly doubles).
          .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
          .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
          .build();

  private Json() {}

  /** {@code value} as compact UTF-8 JSON. */
  public static byte[] bytes(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads a JSON tree. */
  public static JsonNode tree(byte[] json) {
    try {
      return MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A Kafka serde of {@code type} in this mapping. */
  public static <T> Serde<T> serde(Class<T> type) {
    return Serdes.serdeFrom(
        (Serializer<T>) (topic, v) -> v == null ? null : bytes(v),
        (Deserializer<T>)
            (topic, b) -> {
              if (b == null) {
                return null;
              }
              try {
                return MAPPER.readValue(b, type);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
  }

  /** {@code s} as a JSON string literal. */
  public static String quote(String s) {
    try {
      return MAPPER.writeValueAsString(s);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
