package io.cmrwatch.http;

/**
 * Thrown while reading a request that is malformed in a way the HTTP layer itself cannot see (a bad
 * percent-escape in a path segment or query); the server answers 400 with the message.
 */
public final class BadRequestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BadRequestException(String message) {
    super(message, null, false, false);
  }
}
