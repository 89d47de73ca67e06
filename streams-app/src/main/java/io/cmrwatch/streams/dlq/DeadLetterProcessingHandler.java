package io.cmrwatch.streams.dlq;

import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the source record of a failed processing step to the dead-letter topic and goes on: a
 * record that is rejected by a processor ({@link RejectedRecordException}, with its reason) or that
 * makes one fail unexpectedly ({@code processing_error}, logged with its stack trace) never stops
 * the app. The log is a rate-limited summary ({@link DeadLetterLog}).
 */
public final class DeadLetterProcessingHandler implements ProcessingExceptionHandler {

  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProcessingHandler.class);

  private String dlqTopic;
  private DeadLetterListener listener = DeadLetterListener.NONE;

  @Override
  public void configure(Map<String, ?> configs) {
    dlqTopic = DeadLetters.topic(configs);
    listener = DeadLetters.listener(configs);
  }

  @Override
  public Response handleError(ErrorHandlerContext ctx, Record<?, ?> record, Exception e) {
    if (record == null) {
      // A punctuation failed (an analysis): there is no record to dead-letter; the next one
      // retries.
      LOG.warn("punctuation of task {} failed in {}", ctx.taskId(), ctx.processorNodeId(), e);
      return Response.resume();
    }
    String reason;
    Throwable cause = null;
    if (e instanceof RejectedRecordException r) {
      reason = r.reason();
    } else {
      reason = "processing_error";
      cause = e; // unexpected: its stack trace goes with the first of an interval
    }
    LOG.debug(
        "dead-lettering {}-{}@{} from {}: {} {}",
        ctx.topic(),
        ctx.partition(),
        ctx.offset(),
        ctx.processorNodeId(),
        reason,
        e.getMessage());
    DeadLetterLog.shared()
        .deadLettered(
            reason,
            ctx.topic(),
            ctx.partition(),
            ctx.offset(),
            String.valueOf(e.getMessage()),
            cause);
    listener.deadLettered(reason);
    return Response.resume(
        List.of(
            DeadLetters.record(
                dlqTopic,
                ctx,
                ctx.sourceRawKey(),
                ctx.sourceRawValue(),
                reason,
                String.valueOf(e.getMessage()))));
  }
}
