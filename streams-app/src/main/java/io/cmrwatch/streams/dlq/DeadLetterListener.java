package io.cmrwatch.streams.dlq;

/** Told of every record sent to the dead-letter topic (the metrics count them by reason). */
@FunctionalInterface
public interface DeadLetterListener {

  /** A listener that does nothing. */
  DeadLetterListener NONE = reason -> {};

  /** One record went to the dead-letter topic for {@code reason}. */
  void deadLettered(String reason);
}
