package io.cmrwatch.ingest.produce;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.kafka.topic.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Produces loss events to the loss-event topic, keyed by experiment id, with an idempotent {@code
 * acks=all} producer, and reports success only once Kafka has acknowledged every event of a batch.
 * Bounds the events in flight so that a slow broker turns into a quick "backed up" answer instead
 * of an ever-growing queue. Thread-safe.
 */
public final class EventPublisher implements EventSink, AutoCloseable {

  private final Producer<String, byte[]> producer;
  private final Topic<String, LossEvent> topic;
  private final int maxInFlightEvents;
  private final Semaphore inFlight;
  private final Duration ackTimeout;
  private final BrokerMonitor monitor;

  /**
   * @param producer the producer (see {@link #producerConfig})
   * @param topic the loss-event topic; its value serde encodes what {@link #publish} sends
   * @param maxInFlightEvents events that may await acknowledgement at once, across all callers
   * @param ackTimeout how long {@link #publish} waits for acknowledgements; keep it above the
   *     producer's {@code delivery.timeout.ms} so that the producer's own verdict arrives first
   * @param monitor told when the broker stops answering, may be {@code null}
   */
  public EventPublisher(
      Producer<String, byte[]> producer,
      Topic<String, LossEvent> topic,
      int maxInFlightEvents,
      Duration ackTimeout,
      BrokerMonitor monitor) {
    this.producer = producer;
    this.topic = topic;
    this.maxInFlightEvents = maxInFlightEvents;
    this.inFlight = new Semaphore(maxInFlightEvents);
    this.ackTimeout = ackTimeout;
    this.monitor = monitor;
  }

  /**
   * Producer settings: idempotent with {@code acks=all} (a duplicate send after a retry is removed
   * by the broker); {@code max.block.ms} short so a full buffer or a missing broker fails fast
   * instead of holding a request thread; {@code delivery.timeout.ms} bounded so that a request
   * waiting on an unreachable broker gets its answer in time.
   *
   * @param bootstrap Kafka bootstrap servers
   * @param clientId client id (appears in broker logs and metrics)
   * @param maxBlock the producer's {@code max.block.ms}
   * @param deliveryTimeout the producer's {@code delivery.timeout.ms}
   * @param extra further properties (security settings, tuning), applied last
   */
  public static Map<String, Object> producerConfig(
      String bootstrap,
      String clientId,
      Duration maxBlock,
      Duration deliveryTimeout,
      Map<String, Object> extra) {
    Map<String, Object> cfg = new HashMap<>();
    cfg.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cfg.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    cfg.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    cfg.put(ProducerConfig.ACKS_CONFIG, "all");
    cfg.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) maxBlock.toMillis());
    int request = (int) Math.min(10_000, deliveryTimeout.toMillis() / 2);
    cfg.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, request);
    cfg.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) deliveryTimeout.toMillis());
    // A request carries up to thousands of events: batch them per partition, and compress the
    // repetitive JSON.
    cfg.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    cfg.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    cfg.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    cfg.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
    cfg.putAll(extra);
    return cfg;
  }

  /**
   * A producer with {@code config}: key the experiment id as UTF-8, value the event's JSON bytes
   * (already validated and encoded by the caller, so that a request's own bytes can be passed
   * through without a second encoding).
   */
  public static Producer<String, byte[]> createProducer(Map<String, Object> config) {
    return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
  }

  /**
   * Encodes {@code events} with the topic's value serde and publishes them; see {@link
   * #publishEncoded}.
   */
  @Override
  public void publish(List<LossEvent> events) throws PublishException, InterruptedException {
    List<byte[]> json = new ArrayList<>(events.size());
    for (LossEvent e : events) {
      json.add(topic.encodeValue(e));
    }
    publishEncoded(events, json);
  }

  /**
   * Sends {@code events}, whose JSON encodings are {@code json} (same order), keyed by experiment
   * id, and waits until Kafka has acknowledged all of them.
   *
   * @throws PublishException when too much is in flight ({@link PublishException.Kind#BACKED_UP}),
   *     the broker does not acknowledge in time ({@link PublishException.Kind#UNAVAILABLE}) or a
   *     send fails for good ({@link PublishException.Kind#FATAL}); some events of the batch may
   *     then have reached the topic, which is harmless on a retry because consumers drop duplicate
   *     event ids
   */
  public void publishEncoded(List<LossEvent> events, List<byte[]> json)
      throws PublishException, InterruptedException {
    if (events.isEmpty()) {
      return;
    }
    int n = events.size();
    if (n > maxInFlightEvents) {
      throw new PublishException(
          PublishException.Kind.FATAL,
          "a batch of " + n + " events exceeds the in-flight limit of " + maxInFlightEvents,
          null);
    }
    if (!inFlight.tryAcquire(n)) {
      throw new PublishException(
          PublishException.Kind.BACKED_UP,
          "more than " + maxInFlightEvents + " events are awaiting acknowledgement by Kafka",
          null);
    }
    CompletableFuture<Void> all = new CompletableFuture<>();
    AtomicInteger pending = new AtomicInteger(n);
    AtomicReference<Exception> firstError = new AtomicReference<>();
    int sent = 0;
    try {
      for (int i = 0; i < n; i++) {
        producer.send(
            new ProducerRecord<>(topic.name(), events.get(i).experiment(), json.get(i)),
            (metadata, error) -> {
              inFlight.release();
              if (error != null) {
                firstError.compareAndSet(null, error);
              }
              if (pending.decrementAndGet() == 0) {
                all.complete(null);
              }
            });
        sent++;
        if (firstError.get() != null) {
          // A send failed at once (no metadata within max.block.ms, buffer full): the rest would
          // wait as long each.
          break;
        }
      }
      int unsent = n - sent;
      if (unsent > 0) {
        inFlight.release(unsent);
        if (pending.addAndGet(-unsent) == 0) {
          all.complete(null);
        }
      }
    } catch (RuntimeException ex) {
      // send() throws only for programming errors or a closed producer; records already sent keep
      // their callbacks.
      inFlight.release(n - sent);
      throw new PublishException(
          PublishException.Kind.FATAL, "could not send: " + ex.getMessage(), ex);
    }
    try {
      all.get(ackTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException ex) {
      markDown("Kafka did not acknowledge within " + ackTimeout.toSeconds() + " s");
      throw new PublishException(
          PublishException.Kind.UNAVAILABLE,
          "Kafka did not acknowledge within " + ackTimeout.toSeconds() + " s",
          ex);
    } catch (ExecutionException ex) {
      throw new IllegalStateException("unreachable: the future is only completed normally", ex);
    }
    Exception error = firstError.get();
    if (error != null) {
      throw classify(error);
    }
  }

  private PublishException classify(Exception error) {
    if (error instanceof org.apache.kafka.clients.producer.BufferExhaustedException) {
      return new PublishException(
          PublishException.Kind.BACKED_UP,
          "the producer's buffer is full: " + error.getMessage(),
          error);
    }
    if (error instanceof RetriableException) {
      markDown("Kafka did not acknowledge: " + error.getClass().getSimpleName());
      return new PublishException(
          PublishException.Kind.UNAVAILABLE,
          "Kafka did not acknowledge: " + error.getMessage(),
          error);
    }
    return new PublishException(
        PublishException.Kind.FATAL, "Kafka refused the events: " + error, error);
  }

  private void markDown(String problem) {
    if (monitor != null) {
      monitor.markDown(problem);
    }
  }

  /** The underlying producer, for binding its metrics. */
  public Producer<String, byte[]> producer() {
    return producer;
  }

  /** Events sent and not yet acknowledged (or failed). */
  public int inFlight() {
    return maxInFlightEvents - inFlight.availablePermits();
  }

  /** The name of the topic events go to. */
  public String topic() {
    return topic.name();
  }

  /** Flushes and closes the producer, waiting up to {@code timeout} for outstanding sends. */
  public void close(Duration timeout) {
    producer.close(timeout);
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }
}
