package io.cmrwatch.ingest.command;

import io.cmrwatch.http.HttpLimits;
import io.cmrwatch.ingest.http.IngestService;
import io.cmrwatch.ingest.http.IngestSettings;
import io.cmrwatch.kafka.cli.KafkaOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cmrwatch ingest serve}: runs the HTTP ingest API until interrupted. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Serve POST /v1/events (JSON or NDJSON, bearer tokens), GET /health and GET /metrics.")
public final class ServeCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  /** Default HTTP port of the ingest API. */
  public static final int DEFAULT_PORT = 8090;

  @Mixin KafkaOptions kafka;

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description = "Address to bind (${DEFAULT-VALUE}; 0.0.0.0 exposes it).")
  String host;

  @Option(
      names = "--port",
      defaultValue = "" + DEFAULT_PORT,
      description = "Port to bind (${DEFAULT-VALUE}; 0 = any free port).")
  int port;

  @Option(
      names = "--tokens-file",
      required = true,
      description =
          "Bearer tokens, one per line, optionally followed by experiment-id prefixes: TOKEN [p1,p2].")
  Path tokensFile;

  @Option(
      names = "--partitions",
      defaultValue = "3",
      description =
          "Partitions of the loss-event topic if ingest has to create it (${DEFAULT-VALUE}).")
  int partitions;

  @Option(
      names = "--max-body-bytes",
      defaultValue = "" + IngestSettings.DEFAULT_MAX_BODY_BYTES,
      description = "Largest request body; larger gets 413 (${DEFAULT-VALUE}).")
  int maxBodyBytes;

  @Option(
      names = "--max-lines",
      defaultValue = "" + IngestSettings.DEFAULT_MAX_LINES,
      description = "Most NDJSON lines per request; more gets 413 (${DEFAULT-VALUE}).")
  int maxLines;

  @Option(
      names = "--max-in-flight",
      defaultValue = "100000",
      description =
          "Events awaiting Kafka's acknowledgement at once; more gets 429 (${DEFAULT-VALUE}).")
  int maxInFlight;

  @Option(
      names = "--threads",
      defaultValue = "16",
      description = "Request threads (${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = "--idle-timeout",
      defaultValue = "PT30S",
      description = "A connection silent this long is closed (ISO-8601, ${DEFAULT-VALUE}).")
  Duration idleTimeout;

  @Option(
      names = "--read-timeout",
      defaultValue = "PT30S",
      description =
          "A request body must arrive in full within this long of its headers, else 408 (ISO-8601, ${DEFAULT-VALUE}).")
  Duration readTimeout;

  @Option(
      names = "--max-header-bytes",
      defaultValue = "" + HttpLimits.DEFAULT_MAX_HEADER_BYTES,
      description =
          "Largest request line and headers together; larger gets 431 (${DEFAULT-VALUE}).")
  int maxHeaderBytes;

  @Option(
      names = "--max-headers",
      defaultValue = "" + HttpLimits.DEFAULT_MAX_HEADERS,
      description = "Most header fields per request; more gets 431 (${DEFAULT-VALUE}).")
  int maxHeaders;

  @Option(
      names = "--delivery-timeout",
      defaultValue = "PT20S",
      description =
          "Longest wait for Kafka's acknowledgement before 503 (ISO-8601, ${DEFAULT-VALUE}).")
  Duration deliveryTimeout;

  @Option(
      names = "--producer-property",
      paramLabel = "KEY=VALUE",
      description = "Extra Kafka producer property (security, tuning); repeatable.")
  Map<String, String> producerProperties = new HashMap<>();

  @Override
  public Integer call() throws Exception {
    IngestService service;
    try {
      IngestSettings settings =
          new IngestSettings(
              host,
              port,
              kafka.bootstrap(),
              kafka.topicPrefix(),
              partitions,
              tokensFile,
              maxBodyBytes,
              maxLines,
              maxInFlight,
              new HttpLimits(idleTimeout, readTimeout, maxHeaderBytes, maxHeaders, threads),
              Duration.ofSeconds(2),
              deliveryTimeout,
              new HashMap<>(producerProperties));
      service = IngestService.start(settings);
    } catch (IllegalArgumentException e) {
      LOG.error("cannot start ingest: {}", e.getMessage());
      return 2;
    } catch (java.net.BindException e) {
      LOG.error("{} — pick another --port", e.getMessage());
      return 2;
    }
    System.out.println(
        "ingest: "
            + service.url()
            + "/v1/events  (health: "
            + service.url()
            + "/health, metrics: "
            + service.url()
            + "/metrics)");
    System.out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  service.close();
                  stopped.countDown();
                },
                "ingest-shutdown"));
    stopped.await();
    return 0;
  }
}
