package io.cmrwatch.streams.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.http.HttpLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The streams app's HTTP server on a real socket, its queries answered by a plain stand-in (the
 * state behind them is tested with a broker elsewhere): routes, id decoding, limits and slow
 * clients.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpApiTest {

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<String> asked = new ArrayList<>();
  private HttpApi api;

  @BeforeEach
  void start() throws IOException {
    StateQueries queries =
        new StateQueries() {
          @Override
          public Reply experiments(boolean localOnly) {
            return Reply.ok("[]".getBytes(StandardCharsets.UTF_8));
          }

          @Override
          public Reply experiment(String id, boolean localOnly) {
            asked.add("experiment " + id + " " + localOnly);
            return Reply.error(404, "no experiment " + id);
          }

          @Override
          public Reply run(String id, String experiment, boolean localOnly) {
            asked.add("run " + id + " " + experiment);
            return Reply.ok("{}".getBytes(StandardCharsets.UTF_8));
          }

          @Override
          public Reply plan(String experiment, PlanQuestion question, boolean localOnly) {
            asked.add("plan " + experiment + " " + question.query());
            return Reply.ok("{}".getBytes(StandardCharsets.UTF_8));
          }

          @Override
          public Reply health() {
            return Reply.ok("{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8));
          }
        };
    api =
        HttpApi.start(
            "127.0.0.1", 0, HttpLimits.defaults(4), queries, names -> "# families " + names + "\n");
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
            .timeout(Duration.ofSeconds(1))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void shouldAnswerHealthWithinASecondWhileSilentClientsHoldMoreConnectionsThanThreads()
      throws Exception {
    List<Socket> silent = new ArrayList<>();
    try {
      for (int i = 0; i < 32; i++) {
        Socket s = new Socket("127.0.0.1", api.port());
        silent.add(s);
        s.getOutputStream()
            .write("GET /experiments HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
      }
      long t0 = System.nanoTime();
      assertThat(get("/health").statusCode()).isEqualTo(200);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
    } finally {
      for (Socket s : silent) {
        s.close();
      }
    }
  }

  @Test
  void shouldDecodeIdsAndPassTheForwardedMarkAndQuery() throws Exception {
    HttpResponse<String> r = get("/experiments/team%2Fa%25b");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
    assertThat(get("/runs/r%201?experiment=e%2F1").statusCode()).isEqualTo(200);
    assertThat(asked).containsExactly("experiment team/a%b false", "run r 1 e/1");
    assertThat(get("/metrics?name[]=a&name[]=b").body()).isEqualTo("# families [a, b]\n");
    assertThat(raw("GET /runs/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 400");
  }

  @Test
  void shouldRoutePlanningQuestionsAndRefuseMalformedOnesWithTheirReason() throws Exception {
    assertThat(get("/experiments/team%2Fa/plan?budget=2e9").statusCode()).isEqualTo(200);
    assertThat(get("/experiments/e/plan?ratio=0.25").statusCode()).isEqualTo(200);
    assertThat(asked).containsExactly("plan team/a budget=2000000000", "plan e ratio=0.25");
    for (String bad :
        List.of(
            "",
            "?budget=1e9&ratio=0.2",
            "?budget=abc",
            "?budget=-5",
            "?budget=Infinity",
            "?ratio=0",
            "?ratio=1.5",
            "?ratio=NaN")) {
      HttpResponse<String> r = get("/experiments/e/plan" + bad);
      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertThat(r.body()).as(bad).contains("\"error\"");
    }
    assertThat(get("/experiments/e/plan?budget=" + "9".repeat(200)).body())
        .contains("budget")
        .hasSizeLessThan(300);
    assertThat(asked).hasSize(2);
  }

  @Test
  void shouldRefuseOtherMethodsAndHeaderFloodsAndServeThePage() throws Exception {
    HttpResponse<String> post =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/experiments"))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    StringBuilder flood = new StringBuilder("GET /health HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 500; i++) {
      flood.append("X-F").append(i).append(": 1\r\n");
    }
    assertThat(raw(flood.append("\r\n").toString())).startsWith("HTTP/1.1 431");
    HttpResponse<String> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(get("/webjars/uplot/dist/uPlot.iife.min.js").statusCode()).isEqualTo(200);
    assertThat(get("/../pom.xml").statusCode()).isIn(400, 404);
  }

  private String raw(String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", api.port())) {
      s.setSoTimeout(5_000);
      try {
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        s.shutdownOutput();
      } catch (IOException e) {
        // Answered before all was sent.
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try {
        s.getInputStream().transferTo(out);
      } catch (IOException e) {
        // A reset after the answer.
      }
      return out.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
