package io.cmrwatch.kafka.topic;

import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * A Kafka topic with its key and value serdes: the one place a topic's name and wire format are
 * stated. Immutable; the apps get theirs from {@link Topics}.
 *
 * @param name full topic name, prefix included
 * @param keySerde serde of the record key
 * @param valueSerde serde of the record value
 * @param <K> key type
 * @param <V> value type
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {
  public Topic {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(keySerde, "keySerde");
    Objects.requireNonNull(valueSerde, "valueSerde");
  }

  /** A record for this topic. */
  public ProducerRecord<K, V> record(K key, V value) {
    return new ProducerRecord<>(name, key, value);
  }

  /** A producer of this topic's types, with {@code config} (serializer settings are ignored). */
  public KafkaProducer<K, V> producer(Map<String, Object> config) {
    return new KafkaProducer<>(config, keySerde.serializer(), valueSerde.serializer());
  }

  /** As {@link #producer(Map)}, with {@code Properties}. */
  public KafkaProducer<K, V> producer(Properties config) {
    return new KafkaProducer<>(config, keySerde.serializer(), valueSerde.serializer());
  }

  /**
   * A consumer of this topic's types, with {@code config}. Its {@code poll} throws on a value the
   * serde rejects; a consumer that must go past bad records polls bytes and uses {@link
   * #decodeValue} per record instead.
   */
  public KafkaConsumer<K, V> consumer(Map<String, Object> config) {
    return new KafkaConsumer<>(config, keySerde.deserializer(), valueSerde.deserializer());
  }

  /** The wire form of a value of this topic. */
  public byte[] encodeValue(V value) {
    return valueSerde.serializer().serialize(name, value);
  }

  /**
   * A value of this topic from its wire form; throws what the serde throws on bytes it rejects (for
   * loss events an {@link io.cmrwatch.core.event.InvalidEventException} with its reason).
   */
  public V decodeValue(byte[] bytes) {
    return valueSerde.deserializer().deserialize(name, bytes);
  }

  /** A key of this topic from its wire form. */
  public K decodeKey(byte[] bytes) {
    return keySerde.deserializer().deserialize(name, bytes);
  }
}
