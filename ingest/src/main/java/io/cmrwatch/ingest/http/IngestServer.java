package io.cmrwatch.ingest.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.http.EmbeddedServer;
import io.cmrwatch.http.HttpCall;
import io.cmrwatch.ingest.auth.TokenFile;
import io.cmrwatch.ingest.auth.TokenScope;
import io.cmrwatch.ingest.metrics.IngestMetrics;
import io.cmrwatch.ingest.produce.BrokerMonitor;
import io.cmrwatch.ingest.produce.EventPublisher;
import io.cmrwatch.ingest.produce.PublishException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API: {@code POST /v1/events} (one JSON event or an NDJSON batch, bearer-token
 * authenticated), {@code GET /health} and {@code GET /metrics}, on the shared {@link
 * EmbeddedServer}: a body is read without holding a thread and within the request-read timeout, and
 * idle or slow clients cannot take the request threads from the others. A 202 is answered only
 * after Kafka has acknowledged every accepted event.
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

  private final IngestSettings settings;
  private final TokenFile tokens;
  private final EventPublisher publisher;
  private final BrokerMonitor monitor;
  private final IngestMetrics metrics;
  private EmbeddedServer server;

  private IngestServer(
      IngestSettings settings,
      TokenFile tokens,
      EventPublisher publisher,
      BrokerMonitor monitor,
      IngestMetrics metrics) {
    this.settings = settings;
    this.tokens = tokens;
    this.publisher = publisher;
    this.monitor = monitor;
    this.metrics = metrics;
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
    s.server =
        EmbeddedServer.start(
            "ingest-http", settings.host(), settings.port(), settings.http(), s::handle);
    return s;
  }

  /** The bound port (useful when started on port 0). */
  public int port() {
    return server.port();
  }

  /** The base URL, {@code http://host:port}. */
  public String url() {
    return server.url();
  }

  private void handle(HttpCall call) {
    long start = System.nanoTime();
    String path = call.path();
    String endpoint =
        switch (path) {
          case "/v1/events", "/health", "/metrics" -> path;
          default -> "other";
        };
    call.onAnswer(
        status -> metrics.request(endpoint, status, Duration.ofNanos(System.nanoTime() - start)));
    switch (path) {
      case "/v1/events" -> events(call);
      case "/health" -> health(call);
      case "/metrics" -> metrics(call);
      default ->
          call.error(
              404,
              "not_found",
              "no such endpoint: " + path + " (try POST /v1/events, GET /health)");
    }
  }

  private void events(HttpCall call) {
    if (!"POST".equals(call.method())) {
      call.responseHeader("Allow", "POST");
      call.refuse(405, "method_not_allowed", "use POST for /v1/events");
      return;
    }
    Optional<TokenScope> scope = authenticate(call);
    if (scope.isEmpty()) {
      call.responseHeader("WWW-Authenticate", "Bearer realm=\"cmrwatch-ingest\"");
      call.refuse(
          401,
          "unauthorized",
          call.header("Authorization") == null
              ? "missing Authorization header: send \"Authorization: Bearer <token>\""
              : "the bearer token is not valid");
      return;
    }
    String type = mediaType(call.header("Content-Type"));
    boolean ndjson;
    switch (type) {
      case "application/json" -> ndjson = false;
      case "application/x-ndjson", "application/ndjson", "application/jsonl" -> ndjson = true;
      default -> {
        call.refuse(
            415,
            "unsupported_media_type",
            "Content-Type must be application/json (one event) or application/x-ndjson (one event per line), got "
                + (type.isEmpty() ? "none" : "\"" + type + "\""));
        return;
      }
    }
    call.readBody(
        settings.maxBodyBytes(), (body, length) -> batch(call, scope.get(), ndjson, body, length));
  }

  private void batch(HttpCall call, TokenScope scope, boolean ndjson, byte[] body, int length) {
    DecodedBatch batch;
    try {
      batch =
          ndjson
              ? BatchDecoder.ndjson(body, length, settings.maxLines())
              : BatchDecoder.single(body, length);
    } catch (BatchDecoder.TooManyLinesException e) {
      call.error(413, "too_many_lines", e.getMessage());
      return;
    }
    if (batch.events().isEmpty() && batch.rejected().isEmpty()) {
      call.error(400, "empty_body", "the body holds no event");
      return;
    }
    for (LossEvent e : batch.events()) {
      if (!scope.allows(e.experiment())) {
        call.error(
            403,
            "forbidden",
            "this token may not write experiment \""
                + e.experiment()
                + "\"; it is limited to experiment ids "
                + "starting with "
                + String.join(", ", scope.prefixes())
                + " (nothing was accepted)");
        return;
      }
    }
    if (batch.events().isEmpty()) {
      countRejected(batch);
      respond(call, 400, result(0, batch));
      return;
    }
    if (!monitor.isUp()) {
      call.responseHeader("Retry-After", Integer.toString(RETRY_AFTER_UNAVAILABLE));
      call.error(503, "broker_unavailable", unavailable(monitor.problem()));
      return;
    }
    try {
      publisher.publishEncoded(batch.events(), batch.json());
    } catch (PublishException e) {
      switch (e.kind()) {
        case BACKED_UP -> {
          call.responseHeader("Retry-After", Integer.toString(RETRY_AFTER_BACKED_UP));
          call.error(
              429, "backed_up", e.getMessage() + "; retry after " + RETRY_AFTER_BACKED_UP + " s");
        }
        case UNAVAILABLE -> {
          call.responseHeader("Retry-After", Integer.toString(RETRY_AFTER_UNAVAILABLE));
          call.error(503, "broker_unavailable", unavailable(e.getMessage()));
        }
        case FATAL -> {
          LOG.error("Kafka refused events: {}", e.getMessage());
          call.error(500, "kafka_error", e.getMessage());
        }
      }
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      call.responseHeader("Retry-After", Integer.toString(RETRY_AFTER_UNAVAILABLE));
      call.error(
          503, "shutting_down", "the service is shutting down; retry against another instance");
      return;
    }
    metrics.accepted(batch.events().size());
    countRejected(batch);
    respond(call, 202, result(batch.events().size(), batch));
  }

  private String unavailable(String problem) {
    return "Kafka is unavailable: "
        + (problem == null ? "no acknowledgement" : problem)
        + "; nothing was accepted, retry after "
        + RETRY_AFTER_UNAVAILABLE
        + " s";
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

  private Optional<TokenScope> authenticate(HttpCall call) {
    String h = call.header("Authorization");
    if (h == null || h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    return tokens.authenticate(h.substring(7).strip());
  }

  private void health(HttpCall call) {
    ObjectNode o = JSON.createObjectNode();
    boolean up = monitor.isUp();
    o.put("status", up ? "up" : "degraded");
    o.put("broker", up ? "up" : "down");
    o.put("topic", publisher.topic());
    if (!up) {
      o.put("message", unavailable(monitor.problem()));
    }
    respond(call, up ? 200 : 503, o);
  }

  private void metrics(HttpCall call) {
    call.respond(
        200,
        "text/plain; version=0.0.4; charset=utf-8",
        metrics.scrape().getBytes(StandardCharsets.UTF_8));
  }

  private static void respond(HttpCall call, int status, ObjectNode body) {
    try {
      call.json(status, JSON.writeValueAsBytes(body));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String mediaType(String header) {
    if (header == null) {
      return "";
    }
    int semi = header.indexOf(';');
    return (semi >= 0 ? header.substring(0, semi) : header).strip().toLowerCase(Locale.ROOT);
  }

  /**
   * Stops accepting, lets requests in progress finish for up to {@code grace}, then stops the
   * server.
   */
  public void close(Duration grace) {
    server.close(grace);
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(1));
  }
}
