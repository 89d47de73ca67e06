package io.cmrwatch.ingest.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.ingest.auth.TokenFile;
import io.cmrwatch.ingest.auth.TokenScope;
import io.cmrwatch.ingest.metrics.IngestMetrics;
import io.cmrwatch.ingest.produce.BrokerMonitor;
import io.cmrwatch.ingest.produce.EventPublisher;
import io.cmrwatch.ingest.produce.PublishException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API: {@code POST /v1/events} (one JSON event or an NDJSON batch, bearer-token
 * authenticated), {@code GET /health} and {@code GET /metrics}. Built on the JDK's {@link
 * HttpServer}, which needs no dependency and is enough for batch traffic; requests run on a bounded
 * pool, and when its queue is full the accepting thread runs the request itself, which slows
 * accepting down instead of queueing without bound. A 202 is answered only after Kafka has
 * acknowledged every accepted event.
 */
public final class IngestServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(IngestServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Seconds a client should wait after a 429 (the producer is backed up; it drains quickly). */
  static final int RETRY_AFTER_BACKED_UP = 1;

  /**
   * Seconds a client should wait after a 503 (the broker is down; the monitor re-checks every
   * second).
   */
  static final int RETRY_AFTER_UNAVAILABLE = 2;

  /** Most bytes of a too-large body read and dropped before the 413 goes out. */
  private static final long DRAIN_LIMIT_BYTES = 4L * 1024 * 1024;

  private final IngestSettings settings;
  private final TokenFile tokens;
  private final EventPublisher publisher;
  private final BrokerMonitor monitor;
  private final IngestMetrics metrics;
  private final HttpServer server;
  private final ThreadPoolExecutor executor;

  private IngestServer(
      IngestSettings settings,
      TokenFile tokens,
      EventPublisher publisher,
      BrokerMonitor monitor,
      IngestMetrics metrics)
      throws IOException {
    this.settings = settings;
    this.tokens = tokens;
    this.publisher = publisher;
    this.monitor = monitor;
    this.metrics = metrics;
    AtomicInteger n = new AtomicInteger();
    this.executor =
        new ThreadPoolExecutor(
            settings.threads(),
            settings.threads(),
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(settings.threads() * 16),
            r -> {
              Thread t = new Thread(r, "ingest-http-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.CallerRunsPolicy());
    this.server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 256);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
  }

  /** Binds and starts serving; the caller keeps ownership of the publisher, monitor and metrics. */
  public static IngestServer start(
      IngestSettings settings,
      TokenFile tokens,
      EventPublisher publisher,
      BrokerMonitor monitor,
      IngestMetrics metrics)
      throws IOException {
    IngestServer s = new IngestServer(settings, tokens, publisher, monitor, metrics);
    s.server.start();
    return s;
  }

  /** The bound port (useful when started on port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** The base URL, {@code http://host:port}. */
  public String url() {
    String host = server.getAddress().getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return "http://" + host + ":" + port();
  }

  private void handle(HttpExchange ex) {
    long start = System.nanoTime();
    String path = ex.getRequestURI().getPath();
    String endpoint;
    int status;
    try {
      switch (path) {
        case "/v1/events" -> {
          endpoint = "/v1/events";
          status = events(ex);
        }
        case "/health" -> {
          endpoint = "/health";
          status = health(ex);
        }
        case "/metrics" -> {
          endpoint = "/metrics";
          status = metrics(ex);
        }
        default -> {
          endpoint = "other";
          status =
              error(
                  ex,
                  404,
                  "not_found",
                  "no such endpoint: " + path + " (try POST /v1/events, GET /health)");
        }
      }
    } catch (IOException | RuntimeException e) {
      endpoint = "error";
      status = 500;
      LOG.warn("request {} {} failed: {}", ex.getRequestMethod(), path, e.toString());
      try {
        error(ex, 500, "internal_error", "the server failed on this request: " + e);
      } catch (IOException | RuntimeException ignored) {
        // The client has gone; nothing more to tell it.
      }
    } finally {
      ex.close();
    }
    metrics.request(endpoint, status, Duration.ofNanos(System.nanoTime() - start));
  }

  private int events(HttpExchange ex) throws IOException {
    if (!"POST".equals(ex.getRequestMethod())) {
      ex.getResponseHeaders().set("Allow", "POST");
      return refuseUnread(ex, 405, "method_not_allowed", "use POST for /v1/events");
    }
    Optional<TokenScope> scope = authenticate(ex);
    if (scope.isEmpty()) {
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"cmrwatch-ingest\"");
      String h = ex.getRequestHeaders().getFirst("Authorization");
      return refuseUnread(
          ex,
          401,
          "unauthorized",
          h == null
              ? "missing Authorization header: send \"Authorization: Bearer <token>\""
              : "the bearer token is not valid");
    }
    String type = mediaType(ex.getRequestHeaders().getFirst("Content-Type"));
    boolean ndjson;
    switch (type) {
      case "application/json" -> ndjson = false;
      case "application/x-ndjson", "application/ndjson", "application/jsonl" -> ndjson = true;
      default -> {
        return refuseUnread(
            ex,
            415,
            "unsupported_media_type",
            "Content-Type must be application/json (one event) or application/x-ndjson (one event per line), got "
                + (type.isEmpty() ? "none" : "\"" + type + "\""));
      }
    }
    String declared = ex.getRequestHeaders().getFirst("Content-Length");
    if (declared != null && parseLong(declared) > settings.maxBodyBytes()) {
      return refuseUnread(ex, 413, "payload_too_large", tooLarge());
    }
    byte[] body = new byte[Math.min(settings.maxBodyBytes() + 1, 64 * 1024)];
    int length = 0;
    try (InputStream in = ex.getRequestBody()) {
      // Read at most max+1 bytes whatever Content-Length says (chunked bodies have none).
      while (true) {
        if (length == body.length) {
          if (length > settings.maxBodyBytes()) {
            // Answering while the client is still sending makes many clients see a reset instead of
            // the 413:
            // read (and drop) a bounded rest of the body first, so the answer reaches them.
            drain(in, DRAIN_LIMIT_BYTES);
            return refuseUnread(ex, 413, "payload_too_large", tooLarge());
          }
          body = Arrays.copyOf(body, Math.min(settings.maxBodyBytes() + 1, body.length * 2));
        }
        int r = in.read(body, length, body.length - length);
        if (r < 0) {
          break;
        }
        length += r;
      }
    }
    if (length > settings.maxBodyBytes()) {
      return error(ex, 413, "payload_too_large", tooLarge());
    }
    DecodedBatch batch;
    try {
      batch =
          ndjson
              ? BatchDecoder.ndjson(body, length, settings.maxLines())
              : BatchDecoder.single(body, length);
    } catch (BatchDecoder.TooManyLinesException e) {
      return error(ex, 413, "too_many_lines", e.getMessage());
    }
    if (batch.events().isEmpty() && batch.rejected().isEmpty()) {
      return error(ex, 400, "empty_body", "the body holds no event");
    }
    for (LossEvent e : batch.events()) {
      if (!scope.get().allows(e.experiment())) {
        return error(
            ex,
            403,
            "forbidden",
            "this token may not write experiment \""
                + e.experiment()
                + "\"; it is limited to experiment ids "
                + "starting with "
                + String.join(", ", scope.get().prefixes())
                + " (nothing was accepted)");
      }
    }
    if (batch.events().isEmpty()) {
      countRejected(batch);
      return respond(ex, 400, result(0, batch));
    }
    if (!monitor.isUp()) {
      ex.getResponseHeaders().set("Retry-After", Integer.toString(RETRY_AFTER_UNAVAILABLE));
      return error(ex, 503, "broker_unavailable", unavailable(monitor.problem()));
    }
    try {
      publisher.publishEncoded(batch.events(), batch.json());
    } catch (PublishException e) {
      return switch (e.kind()) {
        case BACKED_UP -> {
          ex.getResponseHeaders().set("Retry-After", Integer.toString(RETRY_AFTER_BACKED_UP));
          yield error(
              ex,
              429,
              "backed_up",
              e.getMessage() + "; retry after " + RETRY_AFTER_BACKED_UP + " s");
        }
        case UNAVAILABLE -> {
          ex.getResponseHeaders().set("Retry-After", Integer.toString(RETRY_AFTER_UNAVAILABLE));
          yield error(ex, 503, "broker_unavailable", unavailable(e.getMessage()));
        }
        case FATAL -> {
          LOG.error("Kafka refused events: {}", e.getMessage());
          yield error(ex, 500, "kafka_error", e.getMessage());
        }
      };
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ex.getResponseHeaders().set("Retry-After", Integer.toString(RETRY_AFTER_UNAVAILABLE));
      return error(
          ex, 503, "shutting_down", "the service is shutting down; retry against another instance");
    }
    metrics.accepted(batch.events().size());
    countRejected(batch);
    return respond(ex, 202, result(batch.events().size(), batch));
  }

  private String unavailable(String problem) {
    return "Kafka is unavailable: "
        + (problem == null ? "no acknowledgement" : problem)
        + "; nothing was accepted, retry after "
        + RETRY_AFTER_UNAVAILABLE
        + " s";
  }

  /**
   * An error answered before the whole body was read: the connection cannot carry another request
   * (the server would have to skip an unknown rest of the body), so say {@code Connection: close}
   * and the client opens a new one instead of sending its next request into a closed socket.
   */
  private static int refuseUnread(HttpExchange ex, int status, String code, String message)
      throws IOException {
    ex.getResponseHeaders().set("Connection", "close");
    return error(ex, status, code, message);
  }

  /** Reads and discards up to {@code limit} more bytes of a refused body. */
  private static void drain(InputStream in, long limit) throws IOException {
    byte[] scratch = new byte[8192];
    long left = limit;
    int r;
    while (left > 0 && (r = in.read(scratch, 0, (int) Math.min(scratch.length, left))) >= 0) {
      left -= r;
    }
  }

  private String tooLarge() {
    return "the body is larger than "
        + settings.maxBodyBytes()
        + " bytes; split it into smaller batches";
  }

  private void countRejected(DecodedBatch batch) {
    for (DecodedBatch.RejectedLine r : batch.rejected()) {
      metrics.rejected(r.reason());
    }
  }

  private static ObjectNode result(int accepted, DecodedBatch batch) {
    ObjectNode o = JSON.createObjectNode();
    o.put("accepted", accepted);
    ArrayNode rej = o.putArray("rejected");
    for (DecodedBatch.RejectedLine r : batch.rejected()) {
      rej.addObject()
          .put("line", r.line())
          .put("reason", r.reason().code())
          .put("message", r.message());
    }
    return o;
  }

  private Optional<TokenScope> authenticate(HttpExchange ex) {
    String h = ex.getRequestHeaders().getFirst("Authorization");
    if (h == null || h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    return tokens.authenticate(h.substring(7).strip());
  }

  private int health(HttpExchange ex) throws IOException {
    ObjectNode o = JSON.createObjectNode();
    boolean up = monitor.isUp();
    o.put("status", up ? "up" : "degraded");
    o.put("broker", up ? "up" : "down");
    o.put("topic", publisher.topic());
    if (!up) {
      o.put("message", unavailable(monitor.problem()));
    }
    return respond(ex, up ? 200 : 503, o);
  }

  private int metrics(HttpExchange ex) throws IOException {
    byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
    return 200;
  }

  private static int error(HttpExchange ex, int status, String code, String message)
      throws IOException {
    ObjectNode o = JSON.createObjectNode();
    o.put("error", code);
    o.put("message", message);
    return respond(ex, status, o);
  }

  private static int respond(HttpExchange ex, int status, ObjectNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
    return status;
  }

  private static String mediaType(String header) {
    if (header == null) {
      return "";
    }
    int semi = header.indexOf(';');
    return (semi >= 0 ? header.substring(0, semi) : header).strip().toLowerCase(Locale.ROOT);
  }

  private static long parseLong(String s) {
    try {
      return Long.parseLong(s.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Stops accepting, lets requests in progress finish for up to {@code grace}, then stops the pool.
   */
  public void close(Duration grace) {
    server.stop((int) Math.max(0, grace.toSeconds()));
    executor.shutdown();
    try {
      executor.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    executor.shutdownNow();
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(1));
  }
}
