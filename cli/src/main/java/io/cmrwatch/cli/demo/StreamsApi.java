package io.cmrwatch.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the streams app's HTTP API (the same JSON the web page reads), so the demo's summary shows
 * exactly what the page shows.
 */
final class StreamsApi {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final HttpClient http;

  StreamsApi(URI base) {
    this.base = base;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** GET /experiments. */
  List<JsonNode> experiments() throws IOException, InterruptedException {
    List<JsonNode> out = new ArrayList<>();
    get("/experiments").ifPresent(n -> n.forEach(out::add));
    return out;
  }

  /** GET /experiments/{id}, empty when the id is unknown. */
  Optional<JsonNode> experiment(String id) throws IOException, InterruptedException {
    return get("/experiments/" + encode(id));
  }

  /** GET /runs/{id}, empty when the id is unknown. */
  Optional<JsonNode> run(String id) throws IOException, InterruptedException {
    return get("/runs/" + encode(id));
  }

  private Optional<JsonNode> get(String path) throws IOException, InterruptedException {
    HttpRequest req =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(Duration.ofSeconds(10))
            .header("Accept", "application/json")
            .GET()
            .build();
    HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
    if (res.statusCode() == 404) {
      return Optional.empty();
    }
    if (res.statusCode() != 200) {
      throw new IOException(
          "GET " + req.uri() + " answered " + res.statusCode() + ": " + res.body());
    }
    return Optional.of(JSON.readTree(res.body()));
  }

  private static String encode(String id) {
    return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
