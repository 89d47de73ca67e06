package io.cmrwatch.streams.http;

import io.cmrwatch.http.EmbeddedServer;
import io.cmrwatch.http.HttpCall;
import io.cmrwatch.http.HttpLimits;
import io.cmrwatch.streams.metrics.StreamsMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streams app's HTTP server (the shared {@link EmbeddedServer}): the query API, health,
 * Prometheus metrics, and the live web page — static files from the class path's {@code static/}
 * folder at {@code /}, and WebJars (uPlot) at {@code /webjars/<name>/...} with or without the
 * version in the path. Binds the configured address only (127.0.0.1 by default).
 */
public final class HttpApi implements AutoCloseable {

  /**
   * Header set on a forwarded request so that the receiving instance answers from its own stores.
   */
  public static final String FORWARDED_HEADER = "X-Cmrwatch-Forwarded";

  /** The planning endpoint's suffix: {@code /experiments/{id}/plan}. */
  private static final String PLAN = "/plan";

  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final Map<String, String> TYPES =
      Map.of(
          "html",
          "text/html; charset=utf-8",
          "js",
          "text/javascript; charset=utf-8",
          "mjs",
          "text/javascript; charset=utf-8",
          "css",
          "text/css; charset=utf-8",
          "json",
          "application/json",
          "svg",
          "image/svg+xml",
          "png",
          "image/png",
          "ico",
          "image/x-icon",
          "txt",
          "text/plain; charset=utf-8");

  private final EmbeddedServer server;

  private HttpApi(EmbeddedServer server) {
    this.server = server;
  }

  /**
   * Starts the server on {@code host:port} (port 0 = any free port).
   *
   * @param limits request threads, idle and request-read timeouts, header limits
   * @param queries the query API
   * @param metrics the Prometheus text, produced per scrape, of the metric families named (all when
   *     null)
   */
  public static HttpApi start(
      String host,
      int port,
      HttpLimits limits,
      StateQueries queries,
      Function<Set<String>, String> metrics)
      throws IOException {
    EmbeddedServer server;
    try {
      server =
          EmbeddedServer.start(
              "cmrwatch-http", host, port, limits, call -> handle(call, queries, metrics));
    } catch (java.net.BindException e) {
      throw new IOException(
          e.getMessage() + " — pass another --http-port, or 0 for any free port", e);
    }
    LOG.info("HTTP API on http://{}:{}/", host, server.port());
    return new HttpApi(server);
  }

  /** The port the server listens on. */
  public int port() {
    return server.port();
  }

  /** The address the server listens on. */
  public InetSocketAddress address() {
    return server.address();
  }

  @Override
  public void close() {
    server.close();
  }

  /** The routes: one branch per path; a new endpoint is one more branch. */
  private static void handle(
      HttpCall call, StateQueries queries, Function<Set<String>, String> metrics) {
    String method = call.method();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      call.responseHeader("Allow", "GET, HEAD");
      send(call, Reply.error(405, "only GET is supported"), "application/json");
      return;
    }
    String path = call.path();
    boolean local = call.hasHeader(FORWARDED_HEADER);
    if (path.equals("/health")) {
      send(call, queries.health(), "application/json");
    } else if (path.equals("/health/live")) {
      send(
          call,
          Reply.ok("{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8)),
          "application/json");
    } else if (path.equals("/metrics")) {
      // Prometheus' series selector: /metrics?name[]=a&name[]=b exposes only those families (a
      // cheap poll).
      Set<String> names = new LinkedHashSet<>(call.queries("name[]"));
      send(
          call,
          new Reply(
              200, metrics.apply(names.isEmpty() ? null : names).getBytes(StandardCharsets.UTF_8)),
          StreamsMetrics.TEXT_FORMAT);
    } else if (path.equals("/experiments") || path.equals("/experiments/")) {
      send(call, queries.experiments(local), "application/json");
    } else if (path.startsWith("/experiments/") && path.endsWith(PLAN)) {
      String id = id(path.substring(0, path.length() - PLAN.length()), "/experiments/");
      PlanQuestion q;
      try {
        q = PlanQuestion.parse(call.query("budget"), call.query("ratio"));
      } catch (IllegalArgumentException e) {
        send(call, Reply.error(400, e.getMessage()), "application/json");
        return;
      }
      send(call, queries.plan(id, q, local), "application/json");
    } else if (path.startsWith("/experiments/")) {
      send(call, queries.experiment(id(path, "/experiments/"), local), "application/json");
    } else if (path.startsWith("/runs/")) {
      send(
          call,
          queries.run(id(path, "/runs/"), call.query("experiment"), local),
          "application/json");
    } else if (path.startsWith("/webjars/")) {
      serveWebJar(call, path.substring("/webjars/".length()));
    } else {
      serveStatic(call, path.equals("/") ? "index.html" : path.substring(1));
    }
  }

  private static String id(String path, String prefix) {
    return HttpCall.decode(path.substring(prefix.length()));
  }

  private static void serveStatic(HttpCall call, String relative) {
    if (relative.contains("..") || relative.startsWith("/")) {
      send(call, Reply.error(404, "not found"), "application/json");
      return;
    }
    byte[] body = resource("static/" + relative);
    if (body == null) {
      send(call, Reply.error(404, "no such page: /" + relative), "application/json");
      return;
    }
    send(call, new Reply(200, body), type(relative));
  }

  private static void serveWebJar(HttpCall call, String relative) {
    if (relative.contains("..")) {
      send(call, Reply.error(404, "not found"), "application/json");
      return;
    }
    byte[] body = resource("META-INF/resources/webjars/" + relative);
    if (body == null) {
      // Version-less path: /webjars/uplot/dist/uPlot.iife.min.js -> the version on the class path.
      int slash = relative.indexOf('/');
      if (slash > 0) {
        String name = relative.substring(0, slash);
        String version = webJarVersion(name);
        if (version != null) {
          body =
              resource(
                  "META-INF/resources/webjars/" + name + "/" + version + relative.substring(slash));
        }
      }
    }
    if (body == null) {
      send(call, Reply.error(404, "no such WebJar file: /webjars/" + relative), "application/json");
      return;
    }
    send(call, new Reply(200, body), type(relative));
  }

  private static String webJarVersion(String name) {
    for (String group : new String[] {"org.webjars.npm", "org.webjars"}) {
      byte[] props = resource("META-INF/maven/" + group + "/" + name + "/pom.properties");
      if (props != null) {
        Properties p = new Properties();
        try {
          p.load(new java.io.ByteArrayInputStream(props));
        } catch (IOException e) {
          return null;
        }
        return p.getProperty("version");
      }
    }
    return null;
  }

  private static byte[] resource(String name) {
    try (InputStream in = HttpApi.class.getClassLoader().getResourceAsStream(name)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      return null;
    }
  }

  private static String type(String path) {
    int dot = path.lastIndexOf('.');
    String ext = dot < 0 ? "" : path.substring(dot + 1);
    return TYPES.getOrDefault(ext, "application/octet-stream");
  }

  private static void send(HttpCall call, Reply reply, String contentType) {
    call.responseHeader("Cache-Control", "no-store");
    call.respond(reply.status(), contentType, reply.body());
  }
}
