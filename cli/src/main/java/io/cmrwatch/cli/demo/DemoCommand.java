package io.cmrwatch.cli.demo;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.cmrwatch.trainer.command.TokenCount;
import io.cmrwatch.trainer.model.Devices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
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
      names = "--replay",
      paramLabel = "FILE",
      description =
          "Replay recorded loss events (JSONL, e.g. data/real-cpt/*.jsonl) instead of training: their runs' "
              + "evaluations in token order, as if they trained side by side.")
  Path replay;

  @Option(
      names = "--replay-runs",
      split = ",",
      paramLabel = "RUN",
      description = "--replay only: replay just these runs (default all).")
  Set<String> replayRuns;

  @Option(
      names = "--replay-pace",
      defaultValue = "500",
      paramLabel = "MS",
      description = "--replay only: milliseconds between evaluation rounds (${DEFAULT-VALUE}).")
  long replayPaceMillis;

  @Option(
      names = "--estimates-out",
      paramLabel = "FILE",
      description =
          "--replay only: write every CMR estimate the streams app publishes to this JSONL file.")
  Path estimatesOut;

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
      names = "--corpus",
      defaultValue = "auto",
      description =
          "Training only: real (English prose and Python source built by data/corpora.sh), builtin (generated "
              + "byte languages), or auto: real when the corpora are built, else builtin (${DEFAULT-VALUE}).")
  String corpus;

  @Option(
      names = "--corpora-dir",
      defaultValue = "data/corpora",
      description =
          "Training only: where data/corpora.sh wrote general.txt and domain.txt (${DEFAULT-VALUE}).")
  Path corporaDir;

  @Option(
      names = "--pretrain-tokens",
      converter = TokenCount.class,
      description =
          "Training only: tokens of pre-training the base model (default 300K on real text, 120K builtin).")
  Long pretrainTokens;

  @Option(
      names = "--budget-tokens",
      converter = TokenCount.class,
      description =
          "Training only: CPT token budget of each run (default 96K on real text, 48K builtin).")
  Long budgetTokens;

  @Option(
      names = "--eval-every",
      converter = TokenCount.class,
      description =
          "Training only: evaluate both losses every this many tokens (default 4096 on real text, 2048 builtin).")
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
    if (replay == null && (replayRuns != null || estimatesOut != null)) {
      LOG.error("--replay-runs and --estimates-out go with --replay FILE");
      return 2;
    }
    if (replay != null && simulate) {
      LOG.error("give --replay FILE or --simulate, not both");
      return 2;
    }
    TrainingWorkload.Corpora corpora;
    boolean realBuilt =
        Files.isRegularFile(corporaDir.resolve("general.txt"))
            && Files.isRegularFile(corporaDir.resolve("domain.txt"));
    switch (corpus) {
      case "builtin" -> corpora = TrainingWorkload.Corpora.BUILTIN;
      case "real" -> {
        if (!realBuilt) {
          LOG.error(
              "--corpus real, but {} holds no general.txt and domain.txt: build them with data/corpora.sh "
                  + "(Debian packages bible-kjv, debian-reference-en, python3), or pass --corpora-dir",
              corporaDir.toAbsolutePath());
          return 2;
        }
        corpora = TrainingWorkload.Corpora.real(corporaDir);
      }
      case "auto" ->
          corpora =
              realBuilt
                  ? TrainingWorkload.Corpora.real(corporaDir)
                  : TrainingWorkload.Corpora.BUILTIN;
      default -> {
        LOG.error("--corpus must be auto, real or builtin, got {}", corpus);
        return 2;
      }
    }
    if (!simulate && replay == null) {
      // One PyTorch thread: the broker and the streams app share the machine's cores with the
      // trainer, and OpenMP's spin-waiting threads collapse when they have to wait for a core.
      Devices.configure(null, 1);
    }
    quietLogs();
    boolean tempDir = dataDir == null;
    Path dir = tempDir ? Files.createTempDirectory("cmrwatch-demo-") : dataDir.toAbsolutePath();
    TrainingWorkload.Plan base =
        corpora.builtin() ? TrainingWorkload.STANDARD : TrainingWorkload.REAL;
    TrainingWorkload.Plan plan =
        base.withTokens(
            pretrainTokens != null ? pretrainTokens : base.pretrainTokens(),
            budgetTokens != null ? budgetTokens : base.budgetTokens(),
            evalEvery != null ? evalEvery : base.evalEvery());
    Workload workload;
    try {
      workload =
          replay != null
              ? ReplayWorkload.of(
                  replay,
                  replayRuns,
                  Duration.ofMillis(Math.max(0, replayPaceMillis)),
                  estimatesOut)
              : simulate
                  ? SimulatedWorkload.standard(speed)
                  : TrainingWorkload.of(plan, dir, corpora);
    } catch (IllegalArgumentException e) {
      LOG.error("{}", e.getMessage());
      if (tempDir) {
        deleteQuietly(dir);
      }
      return 2;
    }
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
