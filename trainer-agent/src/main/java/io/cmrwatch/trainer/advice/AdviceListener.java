package io.cmrwatch.trainer.advice;

import io.cmrwatch.kafka.advice.RatioAdvice;
import io.cmrwatch.kafka.topic.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the ratio-advice topic on a thread of its own and queues the messages keyed by one run; the
 * training loop drains the queue between steps, so that decisions happen at well-defined token
 * counts. Reads every partition from given offsets (a resumed run's checkpoint) or from the
 * beginning, without a consumer group.
 */
public final class AdviceListener implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AdviceListener.class);

  /** One message with where it came from, so that the agent can checkpoint what it has consumed. */
  public record Item(int partition, long offset, RatioAdvice advice) {}

  private final Topic<String, RatioAdvice> topic;
  private final String run;
  private final Map<Integer, Long> startOffsets;
  private final KafkaConsumer<String, byte[]> consumer;
  private final ConcurrentLinkedQueue<Item> queue = new ConcurrentLinkedQueue<>();
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean running = true;

  /** A listener for {@code run}'s advice on {@code topic}; call {@link #start()}. */
  public AdviceListener(
      String bootstrap,
      Topic<String, RatioAdvice> topic,
      String run,
      Map<Integer, Long> startOffsets) {
    this.topic = topic;
    this.run = run;
    this.startOffsets = new HashMap<>(startOffsets);
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    thread = new Thread(this::loop, "cmrwatch-advice-" + run);
    thread.setDaemon(true);
  }

  /** Starts reading. */
  public AdviceListener start() {
    thread.start();
    return this;
  }

  /**
   * Waits until every message on the topic when reading began has been queued (or the topic does
   * not exist yet); returns false on timeout.
   */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Takes every queued message. */
  public List<Item> drain() {
    List<Item> out = new ArrayList<>();
    for (Item i; (i = queue.poll()) != null; ) {
      out.add(i);
    }
    return out;
  }

  private void loop() {
    try {
      List<TopicPartition> partitions = waitForTopic();
      if (partitions.isEmpty()) {
        return;
      }
      consumer.assign(partitions);
      for (TopicPartition tp : partitions) {
        Long from = startOffsets.get(tp.partition());
        if (from == null) {
          consumer.seekToBeginning(List.of(tp));
        } else {
          consumer.seek(tp, from);
        }
      }
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      while (running) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (!run.equals(r.key()) || r.value() == null) {
            continue;
          }
          try {
            queue.add(new Item(r.partition(), r.offset(), topic.decodeValue(r.value())));
          } catch (IllegalArgumentException bad) {
            LOG.warn(
                "ignoring advice record {}-{}@{}: {}",
                topic.name(),
                r.partition(),
                r.offset(),
                bad.getMessage());
          }
        }
        if (caughtUp.getCount() > 0
            && end.entrySet().stream().allMatch(e -> position(e.getKey()) >= e.getValue())) {
          caughtUp.countDown();
        }
      }
    } catch (WakeupException e) {
      // close() woke us up.
    } catch (RuntimeException e) {
      LOG.error(
          "advice listener for run {} stopped: {} (the run goes on without advice)",
          run,
          e.toString());
    } finally {
      caughtUp.countDown();
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private long position(TopicPartition tp) {
    return consumer.position(tp, Duration.ofSeconds(10));
  }

  private List<TopicPartition> waitForTopic() {
    // A topic that does not exist yet holds no advice: the agent need not wait for it, but keeps
    // looking.
    boolean first = true;
    while (running) {
      List<PartitionInfo> infos;
      try {
        infos = consumer.partitionsFor(topic.name(), Duration.ofSeconds(10));
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        infos = List.of();
      }
      if (infos != null && !infos.isEmpty()) {
        List<TopicPartition> out = new ArrayList<>();
        for (PartitionInfo i : infos) {
          out.add(new TopicPartition(topic.name(), i.partition()));
        }
        return out;
      }
      if (first) {
        caughtUp.countDown();
        first = false;
      }
      try {
        Thread.sleep(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return List.of();
      }
    }
    return List.of();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(TimeUnit.SECONDS.toMillis(15));
  }
}
