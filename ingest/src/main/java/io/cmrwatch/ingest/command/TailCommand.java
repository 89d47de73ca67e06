package io.cmrwatch.ingest.command;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.ingest.produce.BrokerMonitor;
import io.cmrwatch.ingest.produce.EventPublisher;
import io.cmrwatch.ingest.produce.PublishException;
import io.cmrwatch.ingest.tail.LineMapper;
import io.cmrwatch.ingest.tail.LogFormat;
import io.cmrwatch.ingest.tail.LogTailer;
import io.cmrwatch.kafka.cli.KafkaOptions;
import io.cmrwatch.kafka.topic.Topic;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cmrwatch ingest tail}: follows a training log (JSONL or CSV) and publishes its loss events
 * to Kafka.
 */
@Command(
    name = "tail",
    mixinStandardHelpOptions = true,
    description =
        "Follow a training log (JSONL or CSV, across rotation) and publish one loss event per line.")
public final class TailCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(TailCommand.class);

  @Option(names = "--file", required = true, description = "The log file to follow.")
  Path file;

  @Option(
      names = "--format",
      required = true,
      description = "Line format: ${COMPLETION-CANDIDATES}.")
  LogFormat format;

  @Option(
      names = "--map",
      split = ",",
      paramLabel = "FIELD=PATH",
      description =
          "Where an event field is in a line: a JSON path with '/' (generalLoss=eval/general_loss) or a CSV "
              + "column. Unmapped fields are looked up under their own name.")
  Map<String, String> map = new LinkedHashMap<>();

  @Option(
      names = "--columns",
      split = ",",
      description = "CSV column names, when the file has no header line.")
  List<String> columns;

  @Option(names = "--experiment", description = "Experiment id, when the log lacks it.")
  String experiment;

  @Option(names = "--run", description = "Run id, when the log lacks it.")
  String run;

  @Option(names = "--ratio", description = "Domain share R, when the log lacks it.")
  String ratio;

  @Option(names = "--budget-tokens", description = "Token budget T_max, when the log lacks it.")
  String budgetTokens;

  @Option(
      names = "--base-general-loss",
      description = "Base model's general loss Lgen(0), when the log lacks it.")
  String baseGeneralLoss;

  @Option(
      names = "--base-domain-loss",
      description = "Base model's domain loss Ldom(0), when the log lacks it.")
  String baseDomainLoss;

  @Option(
      names = "--set",
      split = ",",
      paramLabel = "FIELD=VALUE",
      description = "Any other fixed field value used when the log lacks it (tokenUnit=2e8).")
  Map<String, String> set = new LinkedHashMap<>();

  @Option(
      names = "--checkpoint",
      description = "Position file (default: <file>.cmrwatch-checkpoint).")
  Path checkpoint;

  @Mixin KafkaOptions kafka;

  @Option(
      names = "--partitions",
      defaultValue = "3",
      description =
          "Partitions of the loss-event topic if it has to be created (${DEFAULT-VALUE}).")
  int partitions;

  @Option(
      names = "--poll",
      defaultValue = "PT0.5S",
      description = "How often to look for new lines (${DEFAULT-VALUE}).")
  Duration poll;

  @Override
  public Integer call() throws Exception {
    Map<String, String> fixed = new HashMap<>(set);
    putIf(fixed, "experiment", experiment);
    putIf(fixed, "run", run);
    putIf(fixed, "ratio", ratio);
    putIf(fixed, "budgetTokens", budgetTokens);
    putIf(fixed, "baseGeneralLoss", baseGeneralLoss);
    putIf(fixed, "baseDomainLoss", baseDomainLoss);
    LineMapper mapper;
    try {
      mapper = new LineMapper(format, map, fixed, columns);
    } catch (IllegalArgumentException e) {
      LOG.error("{}", e.getMessage());
      return 2;
    }
    Path cp =
        checkpoint != null
            ? checkpoint
            : file.resolveSibling(file.getFileName() + ".cmrwatch-checkpoint");
    Topic<String, LossEvent> topic = kafka.topics().lossEvents();
    Map<String, Object> cfg =
        EventPublisher.producerConfig(
            kafka.bootstrap(),
            "cmrwatch-ingest-tail",
            Duration.ofSeconds(10),
            Duration.ofSeconds(30),
            Map.of());
    Producer<String, byte[]> producer = EventPublisher.createProducer(cfg);
    try (BrokerMonitor monitor =
            new BrokerMonitor(kafka.bootstrap(), topic.name(), partitions, Map.of());
        EventPublisher publisher =
            new EventPublisher(producer, topic, 100_000, Duration.ofSeconds(40), null);
        LogTailer tailer = new LogTailer(file, cp, mapper, publisher, poll)) {
      monitor.start(Duration.ofSeconds(2), Duration.ofSeconds(30));
      CountDownLatch done = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    tailer.stop();
                    try {
                      done.await();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  },
                  "tail-shutdown"));
      LOG.info(
          "following {} ({}), checkpoint {}, producing to {} at {}",
          file,
          format,
          cp,
          topic.name(),
          kafka.bootstrap());
      try {
        tailer.run();
      } catch (PublishException e) {
        LOG.error("stopping: {}", e.getMessage());
        return 1;
      } finally {
        LOG.info("tailer stopped: {}", tailer.stats());
        done.countDown();
      }
    }
    return 0;
  }

  private static void putIf(Map<String, String> m, String k, String v) {
    if (v != null) {
      m.put(k, v);
    }
  }
}
