package io.cmrwatch.streams;

import io.cmrwatch.streams.admin.TopicSetup;
import io.cmrwatch.streams.config.AppConfig;
import io.cmrwatch.streams.dlq.DeadLetterDeserializationHandler;
import io.cmrwatch.streams.dlq.DeadLetterListener;
import io.cmrwatch.streams.dlq.DeadLetterProcessingHandler;
import io.cmrwatch.streams.dlq.DeadLetters;
import io.cmrwatch.streams.http.HttpApi;
import io.cmrwatch.streams.http.InteractiveQueries;
import io.cmrwatch.streams.metrics.StreamsMetrics;
import io.cmrwatch.streams.state.BoundedRocksDbMemory;
import io.cmrwatch.streams.topology.CmrTopology;
import java.io.IOException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running instance of the streams app: topics ensured, the HTTP server bound (first, so that
 * its real port is the {@code application.server} other instances forward to), metrics bound, the
 * topology started. Close it to stop.
 */
public final class StreamsApp implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StreamsApp.class);

  private final AppConfig cfg;
  private final StreamsMetrics metrics;
  private final HttpApi http;
  private final KafkaStreams streams;

  private StreamsApp(AppConfig cfg, StreamsMetrics metrics, HttpApi http, KafkaStreams streams) {
    this.cfg = cfg;
    this.metrics = metrics;
    this.http = http;
    this.streams = streams;
  }

  /**
   * The Kafka Streams properties of {@code cfg}: exactly-once (by default), the dead-letter
   * handlers, the state directory, {@code application.server}, then the {@code cmrwatch.kafka.*}
   * pass-through settings on top.
   */
  public static Properties streamsProperties(
      AppConfig cfg, DeadLetterListener dlq, String applicationServer) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, cfg.applicationId());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, cfg.bootstrap());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, cfg.processingGuarantee());
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, cfg.commitIntervalMs());
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, cfg.cacheMaxBytes());
    p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class);
    p.put(BoundedRocksDbMemory.CONFIG, cfg.rocksDbMemoryBytes());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, cfg.threads());
    p.put(StreamsConfig.STATE_DIR_CONFIG, cfg.stateDir().toString());
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) cfg.replication());
    p.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterDeserializationHandler.class);
    p.put(
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class);
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    p.put(DeadLetters.TOPIC_CONFIG, cfg.topicNames().lossEventsDlq());
    p.put(DeadLetters.LISTENER_CONFIG, dlq);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    if (applicationServer != null) {
      p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
    }
    p.putAll(cfg.kafkaOverrides());
    return p;
  }

  /**
   * Starts an instance; returns once Kafka Streams is started (not necessarily RUNNING: see {@code
   * /health}).
   *
   * @throws IOException when the HTTP port cannot be bound
   * @throws IllegalStateException when no broker answers (with what to do)
   */
  public static StreamsApp start(AppConfig cfg) throws IOException {
    TopicSetup.prepare(cfg, Duration.ofSeconds(60));
    StreamsMetrics metrics = new StreamsMetrics(cfg.metricsMaxRuns());
    AtomicReference<KafkaStreams> ref = new AtomicReference<>();
    AtomicReference<HostInfo> self = new AtomicReference<>();
    HttpApi http =
        HttpApi.start(
            cfg.httpHost(),
            cfg.httpPort(),
            cfg.httpLimits(),
            new InteractiveQueries(ref::get, self::get, cfg),
            metrics::scrape);
    try {
      HostInfo host = new HostInfo(cfg.advertisedHost(), http.port());
      self.set(host);
      KafkaStreams streams =
          new KafkaStreams(
              CmrTopology.build(cfg, metrics),
              streamsProperties(cfg, metrics, host.host() + ":" + host.port()));
      streams.setUncaughtExceptionHandler(
          e -> {
            LOG.error("stream thread failed; replacing it", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
          });
      metrics.bind(streams);
      ref.set(streams);
      streams.start();
      return new StreamsApp(cfg, metrics, http, streams);
    } catch (RuntimeException e) {
      http.close();
      metrics.close();
      throw e;
    }
  }

  /** The Kafka Streams client. */
  public KafkaStreams streams() {
    return streams;
  }

  /** The metrics. */
  public StreamsMetrics metrics() {
    return metrics;
  }

  /** The HTTP port this instance listens on. */
  public int httpPort() {
    return http.port();
  }

  /** The base URL of this instance's HTTP API. */
  public String url() {
    return "http://" + cfg.advertisedHost() + ":" + http.port();
  }

  /** Waits up to {@code timeout} for the RUNNING state; returns whether it was reached. */
  public boolean awaitRunning(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      if (streams.state() == KafkaStreams.State.RUNNING) {
        return true;
      }
      if (streams.state() == KafkaStreams.State.ERROR
          || streams.state() == KafkaStreams.State.NOT_RUNNING) {
        return false;
      }
      Thread.sleep(50);
    }
    return false;
  }

  @Override
  public void close() {
    streams.close(Duration.ofSeconds(30));
    http.close();
    metrics.close();
  }
}
