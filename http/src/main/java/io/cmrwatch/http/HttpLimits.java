package io.cmrwatch.http;

import java.time.Duration;
import java.util.Objects;

/**
 * What one client may take of an {@link EmbeddedServer}: how long it may stay silent, how long a
 * request's body may take to arrive, how large and how many its headers may be, and how many
 * requests are handled at once. A slow or silent client holds no thread while it sends (the server
 * reads without blocking); these limits decide when it is cut off.
 *
 * @param idleTimeout a connection that sends nothing for this long is closed (between requests and
 *     while a request's head or body is arriving)
 * @param readTimeout a request's body must have arrived in full this long after its head, else 408
 *     and the connection is closed (a body trickled a byte at a time is cut off here)
 * @param maxHeaderBytes most bytes of a request's line and headers together; more gets 431
 * @param maxHeaders most header fields in one request; more gets 431
 * @param threads most requests handled at once (each may block, e.g. until Kafka acknowledges)
 */
public record HttpLimits(
    Duration idleTimeout, Duration readTimeout, int maxHeaderBytes, int maxHeaders, int threads) {

  /** Default idle timeout: 30 s. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);

  /** Default request-read timeout: 30 s (a 16 MiB batch needs > 4.5 Mbit/s). */
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);

  /** Default header limit: 16 KiB (a bearer token and the usual headers take well under 1 KiB). */
  public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;

  /** Default most header fields: 100. */
  public static final int DEFAULT_MAX_HEADERS = 100;

  public HttpLimits {
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(readTimeout, "readTimeout");
    if (idleTimeout.toMillis() < 1) {
      throw new IllegalArgumentException("idle timeout must be at least 1 ms, got " + idleTimeout);
    }
    if (readTimeout.toMillis() < 1) {
      throw new IllegalArgumentException("read timeout must be at least 1 ms, got " + readTimeout);
    }
    if (maxHeaderBytes < 1024) {
      throw new IllegalArgumentException(
          "max header bytes must be at least 1024, got " + maxHeaderBytes);
    }
    if (maxHeaders < 8) {
      throw new IllegalArgumentException("max headers must be at least 8, got " + maxHeaders);
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
  }

  /** The defaults with {@code threads} request threads. */
  public static HttpLimits defaults(int threads) {
    return new HttpLimits(
        DEFAULT_IDLE_TIMEOUT,
        DEFAULT_READ_TIMEOUT,
        DEFAULT_MAX_HEADER_BYTES,
        DEFAULT_MAX_HEADERS,
        threads);
  }

  /** A copy with other timeouts. */
  public HttpLimits withTimeouts(Duration idle, Duration read) {
    return new HttpLimits(idle, read, maxHeaderBytes, maxHeaders, threads);
  }

  /** A copy with other header limits. */
  public HttpLimits withHeaderLimits(int bytes, int count) {
    return new HttpLimits(idleTimeout, readTimeout, bytes, count, threads);
  }

  /** A copy with another number of request threads. */
  public HttpLimits withThreads(int n) {
    return new HttpLimits(idleTimeout, readTimeout, maxHeaderBytes, maxHeaders, n);
  }
}
