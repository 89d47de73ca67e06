package io.cmrwatch.ingest.http;

import io.cmrwatch.http.HttpLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the HTTP ingest service needs to start; {@code cmrwatch ingest serve} fills it from
 * its options.
 *
 * @param host address to bind (loopback by default: expose it deliberately)
 * @param port port to bind, 0 for any free port
 * @param bootstrap Kafka bootstrap servers
 * @param topicPrefix prefix of every topic name, possibly empty
 * @param partitions partitions of the loss-event topic when ingest has to create it
 * @param tokensFile the bearer-token file (see {@link io.cmrwatch.ingest.auth.TokenFile})
 * @param maxBodyBytes largest accepted request body (413 above)
 * @param maxLines most non-blank NDJSON lines in one request (413 above)
 * @param maxInFlightEvents events that may await Kafka's acknowledgement at once (429 above)
 * @param http the HTTP server's limits: request threads (each holds a request until Kafka
 *     acknowledges it), idle and request-read timeouts, header size and count
 * @param maxBlock the producer's {@code max.block.ms}: how long a send may wait for metadata or
 *     buffer space
 * @param deliveryTimeout the producer's {@code delivery.timeout.ms}: the longest a request waits
 *     for acknowledgement
 * @param producerProperties extra producer properties, applied last (security, tuning)
 */
public record IngestSettings(
    String host,
    int port,
    String bootstrap,
    String topicPrefix,
    int partitions,
    Path tokensFile,
    int maxBodyBytes,
    int maxLines,
    int maxInFlightEvents,
    HttpLimits http,
    Duration maxBlock,
    Duration deliveryTimeout,
    Map<String, Object> producerProperties) {

  /** Default largest body: 16 MiB, room for 10,000 events of typical size. */
  public static final int DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

  /** Default most lines per request. */
  public static final int DEFAULT_MAX_LINES = 10_000;

  /** Default request threads. */
  public static final int DEFAULT_THREADS = 16;

  public IngestSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(bootstrap, "bootstrap");
    Objects.requireNonNull(tokensFile, "tokensFile");
    topicPrefix = topicPrefix == null ? "" : topicPrefix;
    producerProperties = Map.copyOf(producerProperties);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in 0..65535, got " + port);
    }
    if (maxBodyBytes < 1024) {
      throw new IllegalArgumentException(
          "max body bytes must be at least 1024, got " + maxBodyBytes);
    }
    if (maxLines < 1) {
      throw new IllegalArgumentException("max lines must be at least 1, got " + maxLines);
    }
    if (maxInFlightEvents < maxLines) {
      throw new IllegalArgumentException(
          "max in-flight events ("
              + maxInFlightEvents
              + ") must be at least max lines ("
              + maxLines
              + ")");
    }
    Objects.requireNonNull(http, "http");
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
    }
  }

  /** Defaults for everything but the addresses and the token file. */
  public static IngestSettings defaults(String host, int port, String bootstrap, Path tokensFile) {
    return new IngestSettings(
        host,
        port,
        bootstrap,
        "",
        3,
        tokensFile,
        DEFAULT_MAX_BODY_BYTES,
        DEFAULT_MAX_LINES,
        100_000,
        HttpLimits.defaults(DEFAULT_THREADS),
        Duration.ofSeconds(2),
        Duration.ofSeconds(20),
        Map.of());
  }

  /** A copy with other body and line limits. */
  public IngestSettings withLimits(int newMaxBodyBytes, int newMaxLines) {
    return new IngestSettings(
        host,
        port,
        bootstrap,
        topicPrefix,
        partitions,
        tokensFile,
        newMaxBodyBytes,
        newMaxLines,
        Math.max(maxInFlightEvents, newMaxLines),
        http,
        maxBlock,
        deliveryTimeout,
        producerProperties);
  }

  /** A copy with another topic prefix. */
  public IngestSettings withTopicPrefix(String prefix) {
    return new IngestSettings(
        host,
        port,
        bootstrap,
        prefix,
        partitions,
        tokensFile,
        maxBodyBytes,
        maxLines,
        maxInFlightEvents,
        http,
        maxBlock,
        deliveryTimeout,
        producerProperties);
  }

  /** A copy with other HTTP limits (timeouts, header limits, threads). */
  public IngestSettings withHttp(HttpLimits newHttp) {
    return new IngestSettings(
        host,
        port,
        bootstrap,
        topicPrefix,
        partitions,
        tokensFile,
        maxBodyBytes,
        maxLines,
        maxInFlightEvents,
        newHttp,
        maxBlock,
        deliveryTimeout,
        producerProperties);
  }
}
