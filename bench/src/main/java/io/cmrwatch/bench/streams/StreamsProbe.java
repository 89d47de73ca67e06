package io.cmrwatch.bench.streams;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * What Kafka Streams alone costs in delay, for {@code bench/streams-probe.sh}: an application with
 * the streams app's settings (exactly-once v2, 100 ms commits, one thread, six partitions) and the
 * same shape — a source, then one in eight records re-keyed through a repartition topic — that does
 * no work of its own, except, when asked, burning BURN_MS of CPU per 100 ms in wall-clock
 * punctuations (spread over its tasks, as refits are). Events of 400 bytes at RATE events/s for 20
 * s carry their send time; prints p50/p99/max of send → source and send → after the repartition
 * hop, leaving out the first fifth (start-up).
 */
public final class StreamsProbe {

  private StreamsProbe() {}

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    int rate = Integer.parseInt(args[1]);
    long burnMs = Long.parseLong(args[2]);
    String topic = "probe-" + System.nanoTime();
    int partitions = 6;
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    }
    Properties p = StreamsBaseline.appSettings(bootstrap, topic);
    int capacity = rate * 20;
    long[] atSource = new long[capacity];
    long[] afterHop = new long[capacity];
    AtomicInteger sources = new AtomicInteger();
    AtomicInteger hops = new AtomicInteger();
    StreamsBuilder b = new StreamsBuilder();
    KStream<String, byte[]> s = b.stream(topic, Consumed.with(Serdes.String(), Serdes.ByteArray()));
    if (burnMs > 0) {
      long burnPerTask = burnMs * 1_000_000L / partitions;
      s = s.process(() -> new Burner(burnPerTask));
    }
    s.peek((k, v) -> record(atSource, sources, v))
        .filter((k, v) -> (v[8] & 7) == 0)
        .selectKey((k, v) -> "experiment-" + Math.floorMod(k.hashCode(), 100))
        .repartition(Repartitioned.with(Serdes.String(), Serdes.ByteArray()))
        .foreach((k, v) -> record(afterHop, hops, v));
    try (KafkaStreams streams = new KafkaStreams(b.build(), p)) {
      streams.start();
      while (streams.state() != KafkaStreams.State.RUNNING) {
        Thread.sleep(100);
      }
      Thread.sleep(2000);
      send(bootstrap, topic, rate, capacity);
      Thread.sleep(3000);
      streams.close(Duration.ofSeconds(30));
      streams.cleanUp();
    }
    System.out.printf(
        Locale.ROOT,
        "Kafka Streams probe at %d events/s, punctuations burning %d ms per 100 ms:%n",
        rate,
        burnMs);
    report("send → source", atSource, sources.get());
    report("send → after the repartition hop", afterHop, hops.get());
  }

  private static void record(long[] delays, AtomicInteger n, byte[] v) {
    int i = n.getAndIncrement();
    if (i < delays.length) {
      delays[i] = System.currentTimeMillis() - ByteBuffer.wrap(v).getLong();
    }
  }

  private static void send(String bootstrap, String topic, int rate, int total)
      throws InterruptedException {
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", bootstrap),
            new StringSerializer(),
            new ByteArraySerializer())) {
      Random rnd = new Random(1);
      long start = System.nanoTime();
      int sent = 0;
      while (sent < total) {
        long due = Math.min(total, (long) ((System.nanoTime() - start) / 1e9 * rate));
        while (sent < due) {
          byte[] v = new byte[400];
          ByteBuffer.wrap(v).putLong(System.currentTimeMillis());
          v[8] = (byte) rnd.nextInt();
          producer.send(new ProducerRecord<>(topic, "run-" + (sent % 1000), v));
          sent++;
        }
        Thread.sleep(2);
      }
    }
  }

  private static void report(String what, long[] delays, int n) {
    long[] d = Arrays.copyOfRange(delays, n / 5, Math.min(n, delays.length));
    Arrays.sort(d);
    System.out.printf(
        Locale.ROOT,
        "  %s: p50 %d ms, p99 %d ms, max %d ms (%d events)%n",
        what,
        d[d.length / 2],
        d[(int) (d.length * 0.99)],
        d[d.length - 1],
        d.length);
  }

  /**
   * Passes records on; every 100 ms of wall-clock time burns {@code nanos} of CPU, as refits take
   * the thread.
   */
  private static final class Burner implements Processor<String, byte[], String, byte[]> {
    private final long nanos;
    private ProcessorContext<String, byte[]> ctx;
    private double sink;

    Burner(long nanos) {
      this.nanos = nanos;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
      ctx = context;
      context.schedule(
          Duration.ofMillis(100),
          PunctuationType.WALL_CLOCK_TIME,
          t -> {
            long end = System.nanoTime() + nanos;
            while (System.nanoTime() < end) {
              sink += Math.sqrt(sink + 1);
            }
          });
    }

    @Override
    public void process(Record<String, byte[]> r) {
      ctx.forward(r);
    }

    @Override
    public void close() {
      StreamsBaseline.blackhole = (long) sink;
    }
  }
}
