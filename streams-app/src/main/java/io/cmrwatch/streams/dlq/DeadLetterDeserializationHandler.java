package io.cmrwatch.streams.dlq;

import io.cmrwatch.core.event.InvalidEventException;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a record that cannot be decoded (malformed or impossible loss event) to the dead-letter
 * topic with the codec's reason, and goes on with the next record. The dead-letter record is
 * produced in the same transaction as the rest of the task's output, so with exactly-once it is
 * written once. The log gets a rate-limited summary ({@link DeadLetterLog}), never the record's
 * bytes.
 */
public final class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {

  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);

  private String dlqTopic;
  private DeadLetterListener listener = DeadLetterListener.NONE;

  @Override
  public void configure(Map<String, ?> configs) {
    dlqTopic = DeadLetters.topic(configs);
    listener = DeadLetters.listener(configs);
  }

  @Override
  public Response handleError(
      ErrorHandlerContext ctx, ConsumerRecord<byte[], byte[]> record, Exception e) {
    String reason =
        e instanceof InvalidEventException ie ? ie.rejection().code() : "malformed_record";
    LOG.debug(
        "dead-lettering {}-{}@{}: {} {}",
        ctx.topic(),
        ctx.partition(),
        ctx.offset(),
        reason,
        e.getMessage());
    DeadLetterLog.shared()
        .deadLettered(reason, ctx.topic(), ctx.partition(), ctx.offset(), e.getMessage(), null);
    listener.deadLettered(reason);
    return Response.resume(
        List.of(
            DeadLetters.record(
                dlqTopic, ctx, record.key(), record.value(), reason, e.getMessage())));
  }
}
