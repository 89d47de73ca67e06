package io.cmrwatch.streams.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cmrwatch.streams.metrics.StreamsMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streams app's HTTP server (JDK {@code com.sun.net.httpserver}): the query API, health,
 * Prometheus metrics, and the live web page — static files from the class path's {@code static/}
 * folder at {@code /}, and WebJars (uPlot) at {@code /webjars/<name>/...} with or without the
 * version in the path. Binds the configured address only (127.0.0.1 by default).
 */
public final class HttpApi implements AutoCloseable {

  /**
   * Header set on a forwarded request so that the receiving instance answers from its own stores.
   */
  public static final String FORWARDED_HEADER = "X-Cmrwatch-Forwarded";

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

  private final HttpServer server;
  private final ExecutorService executor;

  private HttpApi(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts the server on {@code host:port} (port 0 = any free port).
   *
   * @param queries the query API
   * @param metrics the Prometheus text, produced per scrape, of the metric families named (all when
   *     null)
   */
  public static HttpApi start(
      String host, int port, StateQueries queries, Function<Set<String>, String> metrics)
      throws IOException {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 64);
    } catch (java.net.BindException e) {
      throw new IOException(
          "cannot listen on "
              + host
              + ":"
              + port
              + " ("
              + e.getMessage()
              + ") — pass another --http-port, or 0 for any free port",
          e);
    }
    ExecutorService executor =
        Executors.newFixedThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, "cmrwatch-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", ex -> handle(ex, queries, metrics));
    server.start();
    LOG.info("HTTP API on http://{}:{}/", host, server.getAddress().getPort());
    return new HttpApi(server, executor);
  }

  /** The port the server listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** The address the server listens on. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private static void handle(
      HttpExchange ex, StateQueries queries, Function<Set<String>, String> metrics)
      throws IOException {
    try (ex) {
      String method = ex.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        send(ex, Reply.error(405, "only GET is supported"), "application/json");
        return;
      }
      String path = ex.getRequestURI().getRawPath();
      boolean local = ex.getRequestHeaders().containsKey(FORWARDED_HEADER);
      if (path.equals("/health")) {
        send(ex, queries.health(), "application/json");
      } else if (path.equals("/health/live")) {
        send(
            ex,
            Reply.ok("{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8)),
            "application/json");
      } else if (path.equals("/metrics")) {
        // Prometheus' series selector: /metrics?name[]=a&name[]=b exposes only those families (a
        // cheap poll).
        Set<String> names = queries(ex, "name[]");
        send(
            ex,
            new Reply(
                200,
                metrics.apply(names.isEmpty() ? null : names).getBytes(StandardCharsets.UTF_8)),
            StreamsMetrics.TEXT_FORMAT);
      } else if (path.equals("/experiments") || path.equals("/experiments/")) {
        send(ex, queries.experiments(local), "application/json");
      } else if (path.startsWith("/experiments/")) {
        send(ex, queries.experiment(id(path, "/experiments/"), local), "application/json");
      } else if (path.startsWith("/runs/")) {
        send(
            ex,
            queries.run(id(path, "/runs/"), query(ex, "experiment"), local),
            "application/json");
      } else if (path.startsWith("/webjars/")) {
        serveWebJar(ex, path.substring("/webjars/".length()));
      } else {
        serveStatic(ex, path.equals("/") ? "index.html" : path.substring(1));
      }
    } catch (RuntimeException e) {
      LOG.warn("HTTP {} failed", ex.getRequestURI(), e);
      try {
        send(ex, Reply.error(500, "internal error: " + e), "application/json");
      } catch (IOException | RuntimeException ignored) {
        // The response may already be under way; nothing more to tell the client.
      }
    }
  }

  private static String query(HttpExchange ex, String name) {
    Set<String> values = queries(ex, name);
    return values.isEmpty() ? null : values.iterator().next();
  }

  private static Set<String> queries(HttpExchange ex, String name) {
    Set<String> values = new LinkedHashSet<>();
    String q = ex.getRequestURI().getRawQuery();
    if (q != null) {
      for (String part : q.split("&")) {
        int eq = part.indexOf('=');
        if (eq > 0
            && URLDecoder.decode(part.substring(0, eq), StandardCharsets.UTF_8).equals(name)) {
          values.add(URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return values;
  }

  private static String id(String path, String prefix) {
    return URLDecoder.decode(path.substring(prefix.length()), StandardCharsets.UTF_8);
  }

  private static void serveStatic(HttpExchange ex, String relative) throws IOException {
    if (relative.contains("..") || relative.startsWith("/")) {
      send(ex, Reply.error(404, "not found"), "application/json");
      return;
    }
    byte[] body = resource("static/" + relative);
    if (body == null) {
      send(ex, Reply.error(404, "no such page: /" + relative), "application/json");
      return;
    }
    send(ex, new Reply(200, body), type(relative));
  }

  private static void serveWebJar(HttpExchange ex, String relative) throws IOException {
    if (relative.contains("..")) {
      send(ex, Reply.error(404, "not found"), "application/json");
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
      send(ex, Reply.error(404, "no such WebJar file: /webjars/" + relative), "application/json");
      return;
    }
    send(ex, new Reply(200, body), type(relative));
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

  private static void send(HttpExchange ex, Reply reply, String contentType) throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(reply.status(), head ? -1 : reply.body().length);
    if (!head) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(reply.body());
      }
    }
  }
}
