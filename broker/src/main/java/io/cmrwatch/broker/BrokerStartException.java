package io.cmrwatch.broker;

/** The embedded broker could not start; the message says why and what to do about it. */
public class BrokerStartException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public BrokerStartException(String message) {
    super(message);
  }

  public BrokerStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
