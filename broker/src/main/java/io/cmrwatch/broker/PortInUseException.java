package io.cmrwatch.broker;

/**
 * The broker port that was asked for is already taken on 127.0.0.1 (often: another broker is
 * running).
 */
public final class PortInUseException extends BrokerStartException {

  private static final long serialVersionUID = 1L;

  private final int port;

  public PortInUseException(int port, Throwable cause) {
    super(
        "127.0.0.1:"
            + port
            + " is already in use (is another broker running?) — stop it or choose another port",
        cause);
    this.port = port;
  }

  /** The port that was taken. */
  public int port() {
    return port;
  }
}
