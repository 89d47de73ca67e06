package io.cmrwatch.ingest.http;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.ingest.auth.TokenFile;
import io.cmrwatch.ingest.metrics.IngestMetrics;
import io.cmrwatch.ingest.produce.BrokerMonitor;
import io.cmrwatch.ingest.produce.EventPublisher;
import io.cmrwatch.kafka.topic.Topic;
import io.cmrwatch.kafka.topic.Topics;
import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole HTTP ingest service: token file, broker monitor, producer, metrics and server, started
 * in that order and closed in reverse. Starting never waits for Kafka: with the broker down the
 * service answers 503 until it is back.
 */
public final class IngestService implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(IngestService.class);

  private final IngestMetrics metrics;
  private final BrokerMonitor monitor;
  private final EventPublisher publisher;
  private final IngestServer server;

  private IngestService(
      IngestMetrics metrics, BrokerMonitor monitor, EventPublisher publisher, IngestServer server) {
    this.metrics = metrics;
    this.monitor = monitor;
    this.publisher = publisher;
    this.server = server;
  }

  /**
   * Reads the token file, starts the monitor, the producer and the server; returns once the port is
   * bound.
   */
  public static IngestService start(IngestSettings s) throws IOException {
    TokenFile tokens = TokenFile.load(s.tokensFile());
    Topic<String, LossEvent> topic = Topics.withPrefix(s.topicPrefix()).lossEvents();
    IngestMetrics metrics = new IngestMetrics();
    BrokerMonitor monitor =
        new BrokerMonitor(s.bootstrap(), topic.name(), s.partitions(), s.producerProperties());
    EventPublisher publisher = null;
    try {
      publisher =
          new EventPublisher(
              EventPublisher.createProducer(
                  EventPublisher.producerConfig(
                      s.bootstrap(),
                      "cmrwatch-ingest",
                      s.maxBlock(),
                      s.deliveryTimeout(),
                      s.producerProperties())),
              topic,
              s.maxInFlightEvents(),
              s.deliveryTimeout().plusSeconds(5),
              monitor);
      metrics.bindProducer(publisher.producer());
      metrics.bindInFlight(publisher);
      monitor.start(Duration.ofSeconds(1), Duration.ofSeconds(5));
      awaitFirstCheck(monitor);
      IngestServer server = IngestServer.start(s, tokens, publisher, monitor, metrics);
      LOG.info(
          "ingest listening on {} ({} tokens), producing to {} at {}",
          server.url(),
          tokens.size(),
          topic.name(),
          s.bootstrap());
      return new IngestService(metrics, monitor, publisher, server);
    } catch (IOException | RuntimeException e) {
      if (publisher != null) {
        publisher.close(Duration.ZERO);
      }
      monitor.close();
      metrics.close();
      throw e;
    }
  }

  private static void awaitFirstCheck(BrokerMonitor monitor) {
    try {
      // Bounded (one check's timeout and a little): with the broker down the service starts anyway
      // and answers 503.
      if (!monitor.awaitFirstCheck(Duration.ofSeconds(5))) {
        LOG.warn("{}; starting anyway, answering 503 until it is reachable", monitor.problem());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The bound port. */
  public int port() {
    return server.port();
  }

  /** The base URL, {@code http://host:port}. */
  public String url() {
    return server.url();
  }

  /** The broker monitor (whether Kafka is reachable). */
  public BrokerMonitor monitor() {
    return monitor;
  }

  /** The metrics. */
  public IngestMetrics metrics() {
    return metrics;
  }

  @Override
  public void close() {
    server.close(Duration.ofSeconds(2));
    publisher.close(Duration.ofSeconds(5));
    monitor.close();
    metrics.close();
  }
}
