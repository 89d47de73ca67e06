package io.cmrwatch.cli.demo;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.cmrwatch.trainer.command.TokenCount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cmrwatch demo}: the whole pipeline in one process on an embedded broker — real continual
 * pre-training (or {@code --simulate}) publishing loss events, the streams app estimating the CMR
 * live, the page showing it.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Runs everything in one process: the embedded Kafka broker, the streams app with its live page, the ingest API "
          + "and a trainer doing real CPT at several domain shares (or the simulator with --simulate), then prints "
          + "the CMR with its interval and each run's T0. Ctrl-C stops it."
    })
public final class DemoCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(DemoCommand.class);

  @Option(
      names = "--simulate",
      description = "Use the simulator (known laws; seconds) instead of real training.")
  boolean simulate;

  @Option(
      names = "--minutes",
      defaultValue = "10",
      description =
          "Stop the run after this many minutes and summarise what there is (${DEFAULT-VALUE}).")
  double minutes;

  @Option(
      names = "--data-dir",
      description =
          "Broker data, streams state, checkpoints and the ingest token file (default: a new temporary "
              + "directory, deleted at the end).")
  Path dataDir;

  @Option(
      names = "--http-port",
      defaultValue = "-1",
      description =
          "Port of the page, API and metrics (default 8080, or a free one if taken; 0 = any free port).")
  int httpPort;

  @Option(
      names = "--ingest-port",
      defaultValue = "-1",
      description =
          "Port of the ingest API (default 8090, or a free one if taken; 0 = any free port).")
  int ingestPort;

  @Option(
      names = "--broker-port",
      defaultValue = "-1",
      description =
          "Port of the Kafka broker (default 9092, or a free one if taken; 0 = any free port).")
  int brokerPort;

  @Option(
      names = "--exit",
      description = "Exit after the summary instead of keeping the page up until Ctrl-C.")
  boolean exitWhenDone;

  @Option(
      names = "--speed",
      defaultValue = "1",
      description = "--simulate only: replay speed factor (${DEFAULT-VALUE}; 2 = twice as fast).")
  double speed;

  @Option(
      names = "--pretrain-tokens",
      converter = TokenCount.class,
      description = "Training only: tokens of pre-training the base model (default 120K).")
  Long pretrainTokens;

  @Option(
      names = "--budget-tokens",
      converter = TokenCount.class,
      description = "Training only: CPT token budget of each run (default 48K).")
  Long budgetTokens;

  @Option(
      names = "--eval-every",
      converter = TokenCount.class,
      description = "Training only: evaluate both losses every this many tokens (default 2048).")
  Long evalEvery;

  @Override
  public Integer call() throws Exception {
    if (!(minutes > 0)) {
      LOG.error("--minutes must be > 0, got {}", minutes);
      return 2;
    }
    if (!(speed > 0)) {
      LOG.error("--speed must be > 0, got {}", speed);
      return 2;
    }
    quietLogs();
    boolean tempDir = dataDir == null;
    Path dir = tempDir ? Files.createTempDirectory("cmrwatch-demo-") : dataDir.toAbsolutePath();
    TrainingWorkload.Plan plan =
        TrainingWorkload.STANDARD.withTokens(
            pretrainTokens != null ? pretrainTokens : TrainingWorkload.STANDARD.pretrainTokens(),
            budgetTokens != null ? budgetTokens : TrainingWorkload.STANDARD.budgetTokens(),
            evalEvery != null ? evalEvery : TrainingWorkload.STANDARD.evalEvery());
    Workload workload =
        simulate ? SimulatedWorkload.standard(speed) : TrainingWorkload.of(plan, dir);
    Demo.Settings settings =
        new Demo.Settings(
            dir,
            brokerPort,
            httpPort,
            ingestPort,
            Duration.ofMillis((long) (minutes * 60_000)),
            Duration.ofSeconds(1));

    CountDownLatch closed = new CountDownLatch(1);
    Demo[] running = new Demo[1];
    Thread hook =
        new Thread(
            () -> {
              Demo d = running[0];
              if (d != null) {
                d.stop();
                try {
                  // Let the main thread print what it has and close every part before the JVM goes.
                  closed.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            },
            "cmrwatch-demo-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try (Demo demo = Demo.start(settings, workload, System.out::println)) {
      running[0] = demo;
      DemoSummary summary = demo.run();
      System.out.print(summary.render());
      System.out.flush();
      if (!exitWhenDone && !Thread.currentThread().isInterrupted()) {
        System.out.println(
            "The page stays up at " + demo.pageUrl() + " — Ctrl-C stops everything.");
        demo.serveUntilStopped();
      }
      return summary.hasEstimate() ? 0 : 1;
    } catch (InterruptedException e) {
      return 130;
    } finally {
      if (tempDir) {
        deleteQuietly(dir);
      }
      closed.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // Already shutting down (Ctrl-C): the hook is running and waits for `closed`.
      }
    }
  }

  // The terminal is for the demo's own lines; the parts' routine start-up and retry chatter stays
  // out of it unless a
  // log level is asked for (CMRWATCH_LOG_LEVEL / CMRWATCH_KAFKA_LOG_LEVEL, as everywhere else).
  private static void quietLogs() {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
      return;
    }
    if (System.getenv("CMRWATCH_KAFKA_LOG_LEVEL") == null) {
      ctx.getLogger("org.apache.kafka").setLevel(Level.ERROR);
      ctx.getLogger("kafka").setLevel(Level.ERROR);
    }
    if (System.getenv("CMRWATCH_LOG_LEVEL") == null) {
      ctx.getLogger("io.cmrwatch").setLevel(Level.WARN);
      ctx.getLogger("ai.djl").setLevel(Level.WARN);
      // DJL looks for CUDA on every start and warns when the machine has none: expected on a
      // laptop.
      ctx.getLogger("ai.djl.util.cuda").setLevel(Level.ERROR);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.debug("could not delete {}: {}", dir, e.toString());
    }
  }
}
