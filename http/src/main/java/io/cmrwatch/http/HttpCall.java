package io.cmrwatch.http;

import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its answer, as the apps' routes see them: the method, raw path, query and
 * headers; the body, read without holding a thread and within the server's limits; one answer.
 * Exactly one of the {@code respond}/{@code json}/{@code error} methods is called per call, from
 * any thread; a route that returns without answering must have handed the call on (to {@link
 * #readBody}).
 */
public final class HttpCall {

  private static final Logger LOG = LoggerFactory.getLogger(HttpCall.class);

  /** Most bytes of a refused body read and dropped before the 413 goes out. */
  private static final long DRAIN_LIMIT_BYTES = 4L * 1024 * 1024;

  /** What a route does with a body once it has arrived in full; may block. */
  @FunctionalInterface
  public interface BodyHandler {
    /** {@code body[0, length)} is the request body. */
    void accept(byte[] body, int length) throws Exception;
  }

  private final Request request;
  private final Response response;
  private final Callback callback;
  private final Scheduler scheduler;
  private final HttpLimits limits;
  private final AtomicBoolean answered = new AtomicBoolean();
  private final List<IntConsumer> listeners = new ArrayList<>(1);
  private volatile boolean handedOn;

  HttpCall(
      Request request,
      Response response,
      Callback callback,
      Scheduler scheduler,
      HttpLimits limits) {
    this.request = request;
    this.response = response;
    this.callback = callback;
    this.scheduler = scheduler;
    this.limits = limits;
  }

  /** The request method, e.g. {@code GET}. */
  public String method() {
    return request.getMethod();
  }

  /** Whether this is a HEAD request (answered with headers only). */
  public boolean isHead() {
    return "HEAD".equals(request.getMethod());
  }

  /** The path as sent, still percent-encoded (decode segments with {@link #decode}). */
  public String path() {
    String p = request.getHttpURI().getPath();
    return p == null || p.isEmpty() ? "/" : p;
  }

  /** The first value of query parameter {@code name}, or {@code null}. */
  public String query(String name) {
    List<String> values = queries(name);
    return values.isEmpty() ? null : values.get(0);
  }

  /** Every value of query parameter {@code name}, in order, without repeats. */
  public List<String> queries(String name) {
    List<String> values = new ArrayList<>();
    String q = request.getHttpURI().getQuery();
    if (q != null) {
      for (String part : q.split("&")) {
        int eq = part.indexOf('=');
        if (eq > 0 && decode(part.substring(0, eq)).equals(name)) {
          String v = decode(part.substring(eq + 1));
          if (!values.contains(v)) {
            values.add(v);
          }
        }
      }
    }
    return values;
  }

  /** The first value of request header {@code name}, or {@code null}. */
  public String header(String name) {
    return request.getHeaders().get(name);
  }

  /** Whether the request has header {@code name}. */
  public boolean hasHeader(String name) {
    return request.getHeaders().contains(name);
  }

  /** Sets a response header (before answering). */
  public HttpCall responseHeader(String name, String value) {
    response.getHeaders().put(name, value);
    return this;
  }

  /** Runs {@code listener} with the status once the call is answered (for metrics). */
  public void onAnswer(IntConsumer listener) {
    synchronized (listeners) {
      listeners.add(listener);
    }
  }

  /**
   * Percent-decodes a path segment or query part as UTF-8.
   *
   * @throws BadRequestException on a malformed escape (the server answers 400)
   */
  public static String decode(String raw) {
    try {
      return URLDecoder.decode(raw, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new BadRequestException("malformed percent-escape in \"" + raw + "\"");
    }
  }

  /** Answers {@code status} with {@code body} of {@code contentType}. */
  public void respond(int status, String contentType, byte[] body) {
    if (!answered.compareAndSet(false, true)) {
      throw new IllegalStateException("the call is already answered");
    }
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    if (isHead()) {
      response.write(true, null, callback);
    } else {
      response.write(true, ByteBuffer.wrap(body), callback);
    }
    List<IntConsumer> ls;
    synchronized (listeners) {
      ls = List.copyOf(listeners);
    }
    for (IntConsumer l : ls) {
      try {
        l.accept(status);
      } catch (RuntimeException e) {
        LOG.warn("an answer listener failed", e);
      }
    }
  }

  /** Answers {@code status} with a JSON body. */
  public void json(int status, byte[] json) {
    respond(status, "application/json", json);
  }

  /** Answers {@code status} with {@code {"error":code,"message":message}}. */
  public void error(int status, String code, String message) {
    json(status, ErrorBodies.json(code, message));
  }

  /**
   * An error answered before the whole body was read: the connection cannot carry another request,
   * so it says {@code Connection: close} and the client opens a new one.
   */
  public void refuse(int status, String code, String message) {
    responseHeader("Connection", "close");
    error(status, code, message);
  }

  /** Whether the call has been answered. */
  public boolean answered() {
    return answered.get();
  }

  /** Whether a route handed the call on to {@link #readBody} (which then answers it). */
  boolean handedOn() {
    return handedOn;
  }

  /**
   * Reads the body, at most {@code maxBytes}, without holding a thread while it arrives, then hands
   * it to {@code then} on a request thread (where it may block). Answers by itself when the body is
   * too large (413, after reading and dropping a bounded rest, so that the client sees the answer
   * instead of a reset), does not arrive within the read timeout (408), or is malformed or cut
   * short (400: bad chunked encoding, a {@code Content-Length} longer than what came).
   */
  public void readBody(int maxBytes, BodyHandler then) {
    long declared = request.getLength();
    if (declared > maxBytes) {
      refuse(413, "payload_too_large", tooLarge(maxBytes));
      return;
    }
    handedOn = true;
    new BodyReader(maxBytes, then).start();
  }

  private static String tooLarge(int maxBytes) {
    return "the body is larger than " + maxBytes + " bytes; split it into smaller batches";
  }

  /** Reads chunks as they come: a demand callback per wait, no thread held in between. */
  private final class BodyReader implements Runnable {
    private final int maxBytes;
    private final BodyHandler then;
    private final AtomicBoolean finished = new AtomicBoolean();
    private byte[] buf;
    private int length;
    private long dropped = -1; // >= 0 once over the limit: bytes dropped since
    private Scheduler.Task timeout;

    BodyReader(int maxBytes, BodyHandler then) {
      this.maxBytes = maxBytes;
      this.then = then;
      long declared = request.getLength();
      this.buf = new byte[(int) Math.min(maxBytes + 1L, declared >= 0 ? declared : 16 * 1024)];
    }

    void start() {
      timeout =
          scheduler.schedule(
              this::timedOut, limits.readTimeout().toMillis(), TimeUnit.MILLISECONDS);
      run();
    }

    @Override
    public void run() {
      while (!finished.get()) {
        Content.Chunk chunk = request.read();
        if (chunk == null) {
          request.demand(this);
          return;
        }
        if (Content.Chunk.isFailure(chunk)) {
          failed(chunk.getFailure());
          return;
        }
        try {
          ByteBuffer b = chunk.getByteBuffer();
          int n = b.remaining();
          if (dropped >= 0) {
            dropped += n;
          } else if ((long) length + n > maxBytes) {
            dropped = n;
          } else {
            if (length + n > buf.length) {
              buf =
                  Arrays.copyOf(
                      buf, (int) Math.min(maxBytes + 1L, Math.max(buf.length * 2L, length + n)));
            }
            b.get(buf, length, n);
            length += n;
          }
        } finally {
          chunk.release();
        }
        if (chunk.isLast()) {
          arrived();
          return;
        }
        if (dropped > DRAIN_LIMIT_BYTES) {
          arrived();
          return;
        }
      }
    }

    private boolean finish() {
      if (!finished.compareAndSet(false, true)) {
        return false;
      }
      if (timeout != null) {
        timeout.cancel();
      }
      return true;
    }

    private void arrived() {
      if (!finish()) {
        return;
      }
      if (dropped >= 0) {
        refuse(413, "payload_too_large", tooLarge(maxBytes));
        return;
      }
      try {
        then.accept(buf, length);
      } catch (Throwable e) {
        EmbeddedServer.failed(HttpCall.this, e);
      }
    }

    private void failed(Throwable cause) {
      if (!finish()) {
        return;
      }
      if (cause instanceof TimeoutException) {
        refuse(
            408,
            "request_timeout",
            "the body did not arrive within " + limits.idleTimeout().toMillis() + " ms of silence");
      } else {
        refuse(
            400,
            "bad_request",
            "the body is malformed or was cut short: "
                + (cause.getMessage() == null
                    ? cause.getClass().getSimpleName()
                    : cause.getMessage()));
      }
    }

    private void timedOut() {
      if (!finish()) {
        return;
      }
      refuse(
          408,
          "request_timeout",
          "the body did not arrive in full within " + limits.readTimeout().toMillis() + " ms");
      request.fail(new TimeoutException("request read timeout"));
    }
  }
}
