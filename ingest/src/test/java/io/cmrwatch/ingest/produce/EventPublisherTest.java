package io.cmrwatch.ingest.produce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.kafka.topic.Topics;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The publisher's verdicts with a real producer and no broker behind its address: events pile up
 * awaiting acknowledgement, so the in-flight bound answers "backed up" at once, and the stuck batch
 * ends "unavailable".
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EventPublisherTest {

  static List<LossEvent> events(int n) {
    return LongStream.range(0, n)
        .mapToObj(
            t ->
                LossEvent.builder()
                    .experiment("e")
                    .run("r")
                    .ratio(0.5)
                    .tokens(t)
                    .generalLoss(2)
                    .domainLoss(2)
                    .baseGeneralLoss(2)
                    .baseDomainLoss(2)
                    .eventId("r/" + t)
                    .build())
        .toList();
  }

  static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void shouldAnswerBackedUpWhileTheInFlightBoundIsTakenAndUnavailableWhenNothingAcknowledges()
      throws Exception {
    Map<String, Object> cfg =
        EventPublisher.producerConfig(
            "127.0.0.1:" + closedPort(),
            "test",
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Map.of());
    try (EventPublisher p =
        new EventPublisher(
            EventPublisher.createProducer(cfg),
            Topics.withPrefix("t.").lossEvents(),
            5,
            Duration.ofSeconds(20),
            null)) {
      CompletableFuture<PublishException> stuck =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  p.publish(events(5));
                  return null;
                } catch (PublishException e) {
                  return e;
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              });
      // While the first five wait (the producer blocks up to max.block.ms for metadata), one more
      // is refused.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (p.inFlight() < 5 && !stuck.isDone() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(p.inFlight()).isEqualTo(5);
      long t0 = System.nanoTime();
      PublishException backedUp =
          catchThrowableOfType(PublishException.class, () -> p.publish(events(1)));
      assertThat(backedUp.kind()).isEqualTo(PublishException.Kind.BACKED_UP);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));

      PublishException first = stuck.get(30, TimeUnit.SECONDS);
      assertThat(first).isNotNull();
      assertThat(first.kind()).isEqualTo(PublishException.Kind.UNAVAILABLE);
      assertThat(p.inFlight()).isZero();
      // Permits came back, and a batch stops sending after its first failed send (one wait, not
      // five).
      t0 = System.nanoTime();
      PublishException again =
          catchThrowableOfType(PublishException.class, () -> p.publish(events(5)));
      assertThat(again.kind()).isEqualTo(PublishException.Kind.UNAVAILABLE);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
      assertThat(p.inFlight()).isZero();
      PublishException tooBig =
          catchThrowableOfType(PublishException.class, () -> p.publish(events(6)));
      assertThat(tooBig.kind()).isEqualTo(PublishException.Kind.FATAL);
    }
  }
}
