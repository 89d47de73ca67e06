package io.cmrwatch.trainer.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.kafka.advice.RatioAdvice;
import io.cmrwatch.kafka.serde.LossEventSerde;
import io.cmrwatch.kafka.topic.TopicNames;
import io.cmrwatch.testkit.KafkaCluster;
import io.cmrwatch.testkit.KafkaExtension;
import io.cmrwatch.trainer.advice.AdviceDecision;
import io.cmrwatch.trainer.advice.AdvicePolicy;
import io.cmrwatch.trainer.data.CorpusSource;
import io.cmrwatch.trainer.metrics.TrainerMetrics;
import io.cmrwatch.trainer.model.ModelConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent against a real broker: its events, its advice handling, and resuming without
 * duplicates.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TrainerAgentIT {

  private static final ModelConfig TINY = new ModelConfig(32, 1, 2, 16, 2);
  private static final int BATCH = 8;
  private static final long TOKENS_PER_STEP = (long) BATCH * TINY.context();

  @TempDir static Path dir;
  static Path base;
  static PretrainResult pretrained;

  @BeforeAll
  static void pretrain() throws Exception {
    base = dir.resolve("base");
    pretrained =
        new Pretrainer(new TrainerMetrics())
            .run(
                new PretrainOptions(
                    CorpusSource.of("builtin:general"),
                    60 * TOKENS_PER_STEP,
                    base,
                    TINY,
                    BATCH,
                    3e-3f,
                    5,
                    1,
                    0,
                    16,
                    "cpu",
                    true));
  }

  private static CptOptions options(
      KafkaCluster kafka, String prefix, String run, double ratio, long budget, long evalEvery) {
    return new CptOptions()
        .base(base)
        .ratio(ratio)
        .budgetTokens(budget)
        .evalEvery(evalEvery)
        .experiment("it")
        .run(run)
        .bootstrap(kafka.bootstrapServers())
        .topicPrefix(prefix)
        .batchSize(BATCH)
        .learningRate(2e-3f)
        .validationSequences(16)
        .device("cpu")
        .quiet(true);
  }

  private static List<LossEvent> events(KafkaCluster kafka, String prefix) {
    return kafka
        .readAll(
            TopicNames.withPrefix(prefix).lossEvents(),
            new StringDeserializer(),
            new LossEventSerde().deserializer(),
            IsolationLevel.READ_COMMITTED)
        .stream()
        .map(ConsumerRecord::value)
        .toList();
  }

  @Test
  void shouldTrainAndPublishBaseLossesTokensAndRatio(KafkaCluster kafka) throws Exception {
    assertThat(pretrained.lastLoss())
        .as("pre-training loss falls")
        .isLessThan(pretrained.firstLoss() - 1.0);
    String prefix = kafka.uniqueTopic("smoke") + ".";
    kafka.createTopics(3, TopicNames.withPrefix(prefix).lossEvents());
    try (TrainerMetrics metrics = new TrainerMetrics()) {
      int port = metrics.serve("127.0.0.1", 0);
      CptResult result =
          new CptAgent(metrics)
              .run(options(kafka, prefix, "smoke", 0.3, 10 * TOKENS_PER_STEP, 4 * TOKENS_PER_STEP));
      System.out.print(result.describe());

      List<LossEvent> events = events(kafka, prefix);
      assertThat(events)
          .extracting(LossEvent::tokens)
          .containsExactly(0L, 4 * TOKENS_PER_STEP, 8 * TOKENS_PER_STEP, 10 * TOKENS_PER_STEP);
      assertThat(events)
          .extracting(LossEvent::eventId)
          .containsExactly(
              "smoke/0",
              "smoke/" + 4 * TOKENS_PER_STEP,
              "smoke/" + 8 * TOKENS_PER_STEP,
              "smoke/" + 10 * TOKENS_PER_STEP);
      assertThat(events)
          .allSatisfy(
              e -> {
                assertThat(e.run()).isEqualTo("smoke");
                assertThat(e.experiment()).isEqualTo("it");
                assertThat(e.ratio()).isEqualTo(0.3);
                assertThat(e.budgetTokens()).isEqualTo(10 * TOKENS_PER_STEP);
                assertThat(e.baseGeneralLoss()).isEqualTo(result.baseGeneralLoss());
                assertThat(e.baseDomainLoss()).isEqualTo(result.baseDomainLoss());
              });
      // T = 0 is the base model itself: its losses are the base losses, and its general loss is
      // what pre-training
      // measured on the same held-out text.
      assertThat(events.get(0).generalLoss()).isEqualTo(events.get(0).baseGeneralLoss());
      assertThat(events.get(0).generalLoss())
          .isCloseTo(pretrained.validationLoss(), org.assertj.core.data.Offset.offset(1e-3));
      assertThat(events.get(3).domainLoss())
          .as("CPT learns the domain")
          .isLessThan(events.get(0).domainLoss());
      assertThat(result.eventsPublished()).isEqualTo(4);

      String text =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(text)
          .contains(
              "cmrwatch_trainer_tokens_total{application=\"cmrwatch-trainer\",phase=\"cpt\",run=\"smoke\"} "
                  + 10 * TOKENS_PER_STEP)
          .contains(
              "cmrwatch_trainer_events_total{application=\"cmrwatch-trainer\",outcome=\"published\",run=\"smoke\"} 4")
          .contains(
              "cmrwatch_trainer_domain_ratio{application=\"cmrwatch-trainer\",kind=\"target\",run=\"smoke\"} 0.3")
          .contains("cmrwatch_trainer_device_info{application=\"cmrwatch-trainer\",")
          .contains(
              "cmrwatch_trainer_validation_loss_nats{application=\"cmrwatch-trainer\",corpus=\"general\",run=\"smoke\"}");
    }
  }

  @Test
  void shouldApplyAdviceWhenThePolicyAllowsAndRefuseItOtherwise(KafkaCluster kafka)
      throws Exception {
    String prefix = kafka.uniqueTopic("advice") + ".";
    TopicNames topics = TopicNames.withPrefix(prefix);
    kafka.createTopics(1, topics.lossEvents(), topics.ratioAdvice());
    try (KafkaProducer<String, byte[]> producer =
        kafka.producer(new StringSerializer(), new ByteArraySerializer())) {
      for (String run : List.of("apply", "log")) {
        // Unknown fields must not break the agent: the advisor may add some.
        producer
            .send(
                new ProducerRecord<>(
                    topics.ratioAdvice(),
                    run,
                    ("{\"schema\":1,\"experiment\":\"it\",\"run\":\""
                            + run
                            + "\",\"currentRatio\":0.2,\"advisedRatio\":0.6,\"reason\":\"below the CMR\",\"cmr\":0.6,"
                            + "\"cmrLow\":0.5,\"cmrHigh\":0.7,\"futureField\":{\"x\":1}}")
                        .getBytes()))
            .get();
        producer
            .send(
                new ProducerRecord<>(
                    topics.ratioAdvice(),
                    run,
                    new RatioAdvice(1, "it", run, 0.4, 0.8, "still below", null, null, null, null)
                        .toJson()))
            .get();
      }
    }
    long budget = 8 * TOKENS_PER_STEP;
    CptResult applied =
        new CptAgent(new TrainerMetrics())
            .run(
                options(kafka, prefix, "apply", 0.2, budget, 4 * TOKENS_PER_STEP)
                    .advicePolicy(
                        new AdvicePolicy(AdvicePolicy.Mode.APPLY, 0.5, 4 * TOKENS_PER_STEP, 0.2)));
    System.out.print(applied.describe());
    assertThat(applied.decisions())
        .extracting(AdviceDecision::applied)
        .containsExactly(true, false);
    assertThat(applied.decisions().get(0).toRatio())
        .as("bounded step 0.2 -> 0.4")
        .isCloseTo(0.4, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(applied.decisions().get(1).reason()).contains("fewer than");
    assertThat(applied.finalRatio()).isCloseTo(0.4, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(applied.actualShare()).isCloseTo(0.4, org.assertj.core.data.Offset.offset(0.07));

    CptResult logged =
        new CptAgent(new TrainerMetrics())
            .run(
                options(kafka, prefix, "log", 0.2, budget, 4 * TOKENS_PER_STEP)
                    .advicePolicy(new AdvicePolicy(AdvicePolicy.Mode.LOG, 0.5, 0, 0.2)));
    assertThat(logged.decisions()).hasSize(2).noneMatch(AdviceDecision::applied);
    assertThat(logged.decisions().get(0).reason()).contains("log");
    assertThat(logged.finalRatio()).isEqualTo(0.2);

    List<LossEvent> events = events(kafka, prefix);
    // The change is visible in the events: T = 0 at the old ratio, everything after at the new one.
    assertThat(events.stream().filter(e -> e.run().equals("apply")).map(LossEvent::ratio))
        .containsExactly(0.2, 0.4, 0.4);
    assertThat(events.stream().filter(e -> e.run().equals("log")).map(LossEvent::ratio))
        .containsExactly(0.2, 0.2, 0.2);
  }

  @Test
  void shouldResumeAfterAnAbortAndPublishEachEvaluationOnce(
      KafkaCluster kafka, @TempDir Path checkpoints) throws Exception {
    String prefix = kafka.uniqueTopic("resume") + ".";
    kafka.createTopics(3, TopicNames.withPrefix(prefix).lossEvents());
    long every = 4 * TOKENS_PER_STEP;
    long budget = 100 * TOKENS_PER_STEP;
    CptOptions options =
        options(kafka, prefix, "resume", 0.5, budget, every).checkpointDir(checkpoints);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<CptResult> first = pool.submit(() -> new CptAgent(new TrainerMetrics()).run(options));
      // Abort the loop once a checkpoint past T = 0 exists: the kill lands somewhere after it.
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (true) {
        CheckpointState s = CheckpointState.read(checkpoints);
        if (s != null && s.tokens() >= 2 * every) {
          break;
        }
        assertThat(first.isDone()).as("run still going").isFalse();
        assertThat(System.nanoTime()).as("checkpoint written in time").isLessThan(deadline);
        Thread.sleep(20);
      }
      first.cancel(true);
      assertThatThrownBy(first::get).isInstanceOf(java.util.concurrent.CancellationException.class);
      // cancel() does not wait for the task: wait until the aborted loop has really stopped.
      pool.shutdown();
      assertThat(pool.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
    } finally {
      pool.shutdownNow();
    }
    long checkpointed = CheckpointState.read(checkpoints).tokens();
    assertThat(checkpointed).isLessThan(budget);

    CptResult resumed = new CptAgent(new TrainerMetrics()).run(options);
    System.out.print(resumed.describe());
    assertThat(resumed.resumedFromTokens()).isGreaterThanOrEqualTo(2 * every);
    assertThat(resumed.complete()).isTrue();

    List<LossEvent> events = events(kafka, prefix);
    List<Long> expected = new java.util.ArrayList<>();
    for (long t = 0; t < budget; t += every) {
      expected.add(t);
    }
    expected.add(budget);
    assertThat(events).extracting(LossEvent::eventId).doesNotHaveDuplicates();
    assertThat(events).extracting(LossEvent::tokens).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(resumed.evaluations())
        .extracting(Evaluation::tokens)
        .containsExactlyElementsOf(expected);
  }
}
