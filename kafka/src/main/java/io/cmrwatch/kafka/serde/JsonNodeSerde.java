package io.cmrwatch.kafka.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for the JSON documents the streams app publishes (fits, estimates, alerts) and the
 * experiment settings: UTF-8 JSON as a Jackson tree. Bytes that are not JSON fail with a {@link
 * SerializationException}.
 */
public final class JsonNodeSerde implements Serde<JsonNode> {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Serializer<JsonNode> SERIALIZER =
      (topic, node) -> {
        if (node == null) {
          return null;
        }
        try {
          return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
          throw new SerializationException("cannot write JSON for " + topic, e);
        }
      };

  private static final Deserializer<JsonNode> DESERIALIZER =
      (topic, bytes) -> {
        if (bytes == null) {
          return null;
        }
        try {
          return JSON.readTree(bytes);
        } catch (IOException e) {
          throw new SerializationException("not JSON on " + topic + ": " + e.getMessage(), e);
        }
      };

  @Override
  public Serializer<JsonNode> serializer() {
    return SERIALIZER;
  }

  @Override
  public Deserializer<JsonNode> deserializer() {
    return DESERIALIZER;
  }
}
