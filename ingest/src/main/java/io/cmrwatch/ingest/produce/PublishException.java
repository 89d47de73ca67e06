package io.cmrwatch.ingest.produce;

/**
 * Events could not be acknowledged by Kafka. The {@link Kind} tells a caller whether to retry soon
 * (the producer is backed up), later (the broker is unreachable) or not at all (a fatal client
 * error).
 */
public final class PublishException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why publishing failed. */
  public enum Kind {
    /** Too much is in flight or the producer's buffer is full: retry after a short pause. */
    BACKED_UP,
    /** The broker is unreachable or did not acknowledge in time: retry later. */
    UNAVAILABLE,
    /**
     * A non-retriable client error (authorization, record too large, ...): retrying will not help.
     */
    FATAL
  }

  private final Kind kind;

  public PublishException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  /** Why publishing failed. */
  public Kind kind() {
    return kind;
  }
}
