package io.cmrwatch.streams.dlq;

/**
 * Thrown by a processor for a record that deserialised but cannot be used (for example its key is
 * not its run id); the processing exception handler sends the record to the dead-letter topic with
 * {@link #reason()}. No stack trace: bad input is data, and a storm of it must stay cheap.
 */
public final class RejectedRecordException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String reason;

  public RejectedRecordException(String reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  /** The machine-readable reason. */
  public String reason() {
    return reason;
  }
}
