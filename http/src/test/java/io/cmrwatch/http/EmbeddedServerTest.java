package io.cmrwatch.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The embedded server against real sockets: slow and silent clients, limits, framing errors. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EmbeddedServerTest {

  private final List<Socket> sockets = new ArrayList<>();
  private EmbeddedServer server;

  @AfterEach
  void close() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private void start(HttpLimits limits) throws IOException {
    server =
        EmbeddedServer.start(
            "test-http",
            "127.0.0.1",
            0,
            limits,
            call -> {
              switch (call.path()) {
                case "/health" ->
                    call.json(200, "{\"status\":\"up\"}".getBytes(StandardCharsets.UTF_8));
                case "/echo" ->
                    call.readBody(
                        1024,
                        (body, n) ->
                            call.respond(
                                200, "text/plain", ("got " + n).getBytes(StandardCharsets.UTF_8)));
                case "/slow" ->
                    call.readBody(
                        1 << 20,
                        (body, n) -> {
                          Thread.sleep(5);
                          call.respond(
                              200, "text/plain", ("got " + n).getBytes(StandardCharsets.UTF_8));
                        });
                case "/boom" -> throw new IllegalStateException("boom");
                case "/decode" ->
                    call.json(
                        200, HttpCall.decode(call.query("q")).getBytes(StandardCharsets.UTF_8));
                default -> call.error(404, "not_found", "no " + call.path());
              }
            });
  }

  private static HttpLimits limits(Duration idle, Duration read, int threads) {
    return HttpLimits.defaults(threads).withTimeouts(idle, read);
  }

  @Test
  void shouldAnswerHealthWithinASecondWhileManySilentClientsHoldRequestLines() throws Exception {
    start(limits(Duration.ofSeconds(30), Duration.ofSeconds(30), 2));
    for (int i = 0; i < 64; i++) {
      Socket s = connect();
      s.getOutputStream().write("POST /echo HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
    }
    // And as many that sent their head and promise a body they never send.
    for (int i = 0; i < 64; i++) {
      Socket s = connect();
      s.getOutputStream()
          .write(
              "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
    }
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long t0 = System.nanoTime();
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create(server.url() + "/health"))
                .timeout(Duration.ofSeconds(1))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void shouldCloseASilentConnectionAfterTheIdleTimeout() throws Exception {
    start(limits(Duration.ofMillis(300), Duration.ofSeconds(30), 2));
    Socket s = connect();
    s.getOutputStream().write("GET /health HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
    s.setSoTimeout(5_000);
    long t0 = System.nanoTime();
    String answer = readAll(s.getInputStream());
    // Closed (perhaps with a 408) well within the socket's own 5 s timeout.
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
    assertThat(answer)
        .satisfiesAnyOf(
            a -> assertThat(a).isEmpty(), a -> assertThat(a).startsWith("HTTP/1.1 408"));
  }

  @Test
  void shouldAnswer408WhenABodyTricklesPastTheReadTimeout() throws Exception {
    start(limits(Duration.ofSeconds(10), Duration.ofMillis(500), 2));
    Socket s = connect();
    OutputStream out = s.getOutputStream();
    out.write(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
    s.setSoTimeout(100);
    StringBuilder answer = new StringBuilder();
    byte[] buf = new byte[4096];
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      try {
        out.write('x'); // one byte every 100 ms: never silent long enough for the idle timeout
        out.flush();
      } catch (IOException closed) {
        // The server may close before we stop writing.
      }
      try {
        int n = s.getInputStream().read(buf);
        if (n < 0) {
          break;
        }
        answer.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
      } catch (SocketTimeoutException e) {
        // nothing yet
      }
    }
    assertThat(answer.toString())
        .startsWith("HTTP/1.1 408")
        .contains("\"error\":\"request_timeout\"");
  }

  @Test
  void shouldAnswer431ForTooManyHeaders() throws Exception {
    start(HttpLimits.defaults(2).withHeaderLimits(16 * 1024, 20));
    StringBuilder req = new StringBuilder("GET /health HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 500; i++) {
      req.append("X-H").append(i).append(": v\r\n");
    }
    String answer = exchange(req.append("\r\n").toString());
    assertThat(answer)
        .startsWith("HTTP/1.1 431")
        .contains("\"error\":\"request_header_fields_too_large\"");
  }

  @Test
  void shouldAnswer431ForAMegabyteHeader() throws Exception {
    start(HttpLimits.defaults(2));
    String answer =
        exchange("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(1 << 20) + "\r\n\r\n");
    assertThat(answer).startsWith("HTTP/1.1 431").contains("application/json");
  }

  @Test
  void shouldAnswer400ForMalformedChunkedEncoding() throws Exception {
    start(HttpLimits.defaults(2));
    String answer =
        exchange(
            "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n");
    assertThat(answer).startsWith("HTTP/1.1 400").contains("\"error\":\"bad_request\"");
  }

  @Test
  void shouldAnswer400WhenTheBodyIsShorterThanItsContentLength() throws Exception {
    start(HttpLimits.defaults(2));
    Socket s = connect();
    s.getOutputStream()
        .write(
            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort"
                .getBytes(StandardCharsets.US_ASCII));
    s.shutdownOutput();
    s.setSoTimeout(5_000);
    assertThat(readAll(s.getInputStream())).startsWith("HTTP/1.1 400");
  }

  @Test
  void shouldAnswer413ForABodyOverTheLimitDeclaredOrChunked() throws Exception {
    start(HttpLimits.defaults(2));
    assertThat(exchange("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"))
        .startsWith("HTTP/1.1 413")
        .contains("payload_too_large");
    String chunk = Integer.toHexString(3000) + "\r\n" + "y".repeat(3000) + "\r\n";
    assertThat(
            exchange(
                "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + chunk
                    + "0\r\n\r\n"))
        .startsWith("HTTP/1.1 413");
  }

  @Test
  void shouldReadAWholeBodyAndAnswerHeadWithoutOne() throws Exception {
    start(HttpLimits.defaults(2));
    assertThat(
            exchange(
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"))
        .startsWith("HTTP/1.1 200")
        .endsWith("got 3");
    String head = exchange("HEAD /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(head).startsWith("HTTP/1.1 200").endsWith("\r\n\r\n");
  }

  @Test
  void shouldAnswerJsonErrorsForFailuresAndBadEscapes() throws Exception {
    start(HttpLimits.defaults(2));
    assertThat(exchange("GET /boom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 500")
        .contains("\"error\":\"internal_error\"");
    assertThat(exchange("GET /decode?q=%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 400")
        .contains("\"error\":\"bad_request\"");
    assertThat(exchange("BLAH\r\n\r\n")).startsWith("HTTP/1.1 400").contains("application/json");
  }

  @Test
  void shouldAnswerEveryBodyOnceWhateverThreadItArrivesOn() throws Exception {
    start(HttpLimits.defaults(4));
    HttpClient client = HttpClient.newHttpClient();
    byte[] body = "z".repeat(200_000).getBytes(StandardCharsets.US_ASCII);
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      all.add(
          client.sendAsync(
              HttpRequest.newBuilder(URI.create(server.url() + "/slow"))
                  .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
      if (all.size() % 8 == 0) {
        all.get(all.size() - 8).join();
      }
    }
    for (var f : all) {
      HttpResponse<String> r = f.join();
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("got 200000");
    }
  }

  @Test
  void shouldTruncateLongMessages() {
    String body = new String(ErrorBodies.json("x", "v".repeat(1 << 20)), StandardCharsets.UTF_8);
    assertThat(body.length()).isLessThan(2 * ErrorBodies.MAX_MESSAGE_CHARS);
    assertThat(body).contains("more characters");
  }

  private Socket connect() throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", server.port()), 2_000);
    sockets.add(s);
    return s;
  }

  /** Sends {@code request} raw and reads until the server closes or 5 s pass. */
  private String exchange(String request) throws IOException {
    Socket s = connect();
    s.setSoTimeout(5_000);
    try {
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
    } catch (IOException e) {
      // The server may answer and close before the request is all sent; read what it said.
    }
    return readAll(s.getInputStream());
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try {
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
      }
    } catch (SocketTimeoutException | java.net.SocketException e) {
      // A reset after the answer, or the server keeping the connection: return what came.
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }
}
