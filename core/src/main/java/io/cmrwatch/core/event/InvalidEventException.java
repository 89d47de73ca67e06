package io.cmrwatch.core.event;

/**
 * A loss event that is malformed or impossible; carries a machine-readable {@link Rejection} and a
 * readable message. Bad input is data, not a failure: the exception carries no stack trace, so a
 * storm of bad records stays cheap.
 */
public final class InvalidEventException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Rejection rejection;

  public InvalidEventException(Rejection rejection, String message) {
    super(message, null, false, false);
    this.rejection = rejection;
  }

  /** The machine-readable reason. */
  public Rejection rejection() {
    return rejection;
  }
}
