package io.cmrwatch.streams.dlq;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;

/**
 * Builds dead-letter records. A dead-letter record is the original record, byte for byte (key,
 * value and headers), with these headers added so that it can be diagnosed and replayed:
 *
 * <ul>
 *   <li>{@value #REASON}: the machine-readable reason ({@code malformed_json}, {@code
 *       ratio_out_of_range}, ..., {@code key_mismatch}, {@code processing_error})
 *   <li>{@value #MESSAGE}: a readable explanation
 *   <li>{@value #TOPIC}, {@value #PARTITION}, {@value #OFFSET}: where the record was read
 *   <li>{@value #TIMESTAMP}: the record's timestamp (ms since the epoch)
 * </ul>
 */
public final class DeadLetters {

  /** Header: machine-readable reason. */
  public static final String REASON = "cmrwatch.dlq.reason";

  /** Header: readable message. */
  public static final String MESSAGE = "cmrwatch.dlq.message";

  /** Header: source topic. */
  public static final String TOPIC = "cmrwatch.dlq.topic";

  /** Header: source partition (decimal text). */
  public static final String PARTITION = "cmrwatch.dlq.partition";

  /** Header: source offset (decimal text). */
  public static final String OFFSET = "cmrwatch.dlq.offset";

  /** Header: source record timestamp, ms since the epoch (decimal text). */
  public static final String TIMESTAMP = "cmrwatch.dlq.timestamp";

  /**
   * Config key under which the app hands its {@link DeadLetterListener} to the exception handlers.
   */
  public static final String LISTENER_CONFIG = "cmrwatch.internal.dlq-listener";

  /** Config key under which the app hands the dead-letter topic name to the exception handlers. */
  public static final String TOPIC_CONFIG = "cmrwatch.internal.dlq-topic";

  private DeadLetters() {}

  /** The dead-letter record for the source record of {@code ctx}. */
  public static ProducerRecord<byte[], byte[]> record(
      String dlqTopic,
      ErrorHandlerContext ctx,
      byte[] key,
      byte[] value,
      String reason,
      String message) {
    Headers headers = new RecordHeaders();
    if (ctx.headers() != null) {
      ctx.headers().forEach(headers::add);
    }
    put(headers, REASON, reason);
    put(headers, MESSAGE, message == null ? "" : message);
    put(headers, TOPIC, ctx.topic() == null ? "" : ctx.topic());
    put(headers, PARTITION, Integer.toString(ctx.partition()));
    put(headers, OFFSET, Long.toString(ctx.offset()));
    put(headers, TIMESTAMP, Long.toString(ctx.timestamp()));
    return new ProducerRecord<>(dlqTopic, null, null, key, value, headers);
  }

  /** The header's value as text, or {@code null}. */
  public static String header(Headers headers, String name) {
    var h = headers.lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  static DeadLetterListener listener(Map<String, ?> configs) {
    Object o = configs.get(LISTENER_CONFIG);
    return o instanceof DeadLetterListener l ? l : DeadLetterListener.NONE;
  }

  static String topic(Map<String, ?> configs) {
    Object o = configs.get(TOPIC_CONFIG);
    if (o == null) {
      throw new IllegalStateException(
          TOPIC_CONFIG + " is not set: build the streams config with StreamsApp");
    }
    return o.toString();
  }

  private static void put(Headers headers, String name, String value) {
    headers.remove(name);
    headers.add(name, value.getBytes(StandardCharsets.UTF_8));
  }
}
