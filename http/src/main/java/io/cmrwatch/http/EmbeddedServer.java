package io.cmrwatch.http;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.MimeTypes;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server of both apps: Jetty's core (no servlets) behind one small interface, {@link
 * Route}, so that an app's routing is a plain method over an {@link HttpCall}. Connections are read
 * without blocking, so an idle or slow client holds a socket, not a thread; {@link HttpLimits}
 * decides when it is cut off. Errors, including those Jetty answers by itself (a malformed request,
 * headers too large), are JSON {@code {"error":"code","message":...}}. Binds one address only
 * (loopback by default in both apps).
 */
public final class EmbeddedServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedServer.class);

  /** An app's request handling: answers the call, or hands it on (see {@link HttpCall}). */
  @FunctionalInterface
  public interface Route {
    void handle(HttpCall call) throws Exception;
  }

  private final Server server;
  private final ServerConnector connector;

  private EmbeddedServer(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  /**
   * Binds {@code host:port} (0 = any free port) and starts serving {@code route}.
   *
   * @param name thread-name prefix, e.g. {@code ingest-http}
   * @throws BindException when the address cannot be bound (the message names it)
   * @throws IOException when the server cannot start for another reason
   */
  public static EmbeddedServer start(
      String name, String host, int port, HttpLimits limits, Route route) throws IOException {
    // Jetty's own threads (one acceptor, one selector) come on top of the request threads. Requests
    // waiting for a thread queue in memory; an idle or slow connection never waits there, as it is
    // only dispatched once its request head is complete.
    QueuedThreadPool pool =
        new QueuedThreadPool(limits.threads() + 2, Math.min(limits.threads() + 2, 4), 60_000);
    pool.setName(name);
    pool.setDaemon(true);
    pool.setReservedThreads(0);
    Server server = new Server(pool);
    HttpConfiguration http = new HttpConfiguration();
    http.setRequestHeaderSize(limits.maxHeaderBytes());
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    // Ids in paths are percent-encoded by clients, '/' as %2F and '%' as %25; the routes decode
    // segments themselves, so those "ambiguous" encodings are fine here.
    http.setUriCompliance(UriCompliance.LEGACY);
    ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(host);
    connector.setPort(port);
    connector.setIdleTimeout(limits.idleTimeout().toMillis());
    connector.setAcceptQueueSize(256);
    server.addConnector(connector);
    server.setErrorHandler(new JsonErrorHandler());
    server.setHandler(new GracefulHandler(new Adapter(server, limits, route)));
    server.setStopTimeout(2_000);
    try {
      server.start();
    } catch (Exception e) {
      try {
        server.stop();
      } catch (Exception ignored) {
        // Already failing to start; the first problem is the one to report.
      }
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof BindException) {
          BindException b =
              new BindException(
                  "cannot listen on " + host + ":" + port + " (" + t.getMessage() + ")");
          b.initCause(e);
          throw b;
        }
      }
      throw e instanceof IOException io ? io : new IOException("the HTTP server did not start", e);
    }
    return new EmbeddedServer(server, connector);
  }

  /** The bound port (useful when started on port 0). */
  public int port() {
    return connector.getLocalPort();
  }

  /** The bound address. */
  public InetSocketAddress address() {
    String host = connector.getHost();
    return new InetSocketAddress(host == null ? "0.0.0.0" : host, port());
  }

  /** The base URL, {@code http://host:port}. */
  public String url() {
    String host = address().getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return "http://" + host + ":" + port();
  }

  /** Stops accepting, lets requests in progress finish for up to {@code grace}, then stops. */
  public void close(Duration grace) {
    server.setStopTimeout(Math.max(1, grace.toMillis()));
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warn("the HTTP server did not stop cleanly: {}", e.toString());
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(1));
  }

  /** Answers a call whose route failed: 400 for a {@link BadRequestException}, 500 otherwise. */
  static void failed(HttpCall call, Throwable e) {
    if (e instanceof BadRequestException) {
      if (!call.answered()) {
        call.error(400, "bad_request", e.getMessage());
      }
      return;
    }
    LOG.warn("{} {} failed", call.method(), call.path(), e);
    if (!call.answered()) {
      try {
        call.error(500, "internal_error", "the server failed on this request: " + e);
      } catch (RuntimeException ignored) {
        // The answer may already be under way; nothing more to tell the client.
      }
    }
  }

  /** Jetty's handler: the header-count limit, then the route. */
  private static final class Adapter extends Handler.Abstract {
    private final Server server;
    private final HttpLimits limits;
    private final Route route;

    Adapter(Server server, HttpLimits limits, Route route) {
      super(InvocationType.BLOCKING);
      this.server = server;
      this.limits = limits;
      this.route = route;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      HttpCall call = new HttpCall(request, response, callback, server.getScheduler(), limits);
      if (request.getHeaders().size() > limits.maxHeaders()) {
        call.refuse(
            431,
            "request_header_fields_too_large",
            "the request has "
                + request.getHeaders().size()
                + " header fields; at most "
                + limits.maxHeaders()
                + " are accepted");
        return true;
      }
      try {
        route.handle(call);
        if (!call.answered() && !call.handedOn()) {
          throw new IllegalStateException("the route neither answered nor read the body");
        }
      } catch (Throwable e) {
        failed(call, e);
      }
      return true;
    }
  }

  /** Jetty's own error answers (bad request line, headers too large, ...) as JSON. */
  private static final class JsonErrorHandler extends ErrorHandler {
    @Override
    protected void generateResponse(
        Request request,
        Response response,
        int code,
        String message,
        Throwable cause,
        Callback callback) {
      byte[] body = ErrorBodies.json(ErrorBodies.code(code), message(code, message));
      response
          .getHeaders()
          .put(HttpHeader.CONTENT_TYPE, MimeTypes.Type.APPLICATION_JSON.asString());
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
      response.write(true, ByteBuffer.wrap(body), callback);
    }

    private static String message(int code, String reason) {
      String what =
          switch (code) {
            case 431 -> "the request's headers are too large or too many";
            case 408 -> "the request did not arrive in time";
            case 400 -> "the request is malformed";
            default -> "the request failed";
          };
      return reason == null || reason.isBlank() ? what : what + ": " + reason;
    }
  }
}
