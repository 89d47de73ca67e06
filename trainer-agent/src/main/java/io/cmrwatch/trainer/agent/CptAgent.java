package io.cmrwatch.trainer.agent;

import ai.djl.Device;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.kafka.topic.Topics;
import io.cmrwatch.trainer.advice.AdviceDecision;
import io.cmrwatch.trainer.advice.AdviceListener;
import io.cmrwatch.trainer.advice.AdvicePolicy;
import io.cmrwatch.trainer.data.Corpus;
import io.cmrwatch.trainer.metrics.TrainerMetrics;
import io.cmrwatch.trainer.mix.Mixer;
import io.cmrwatch.trainer.model.Devices;
import io.cmrwatch.trainer.model.LanguageModelTrainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One continual-pre-training run: continues a base model on a general/domain mix at ratio R,
 * evaluates both validation losses at T = 0 and every {@code evalEvery} tokens, publishes each
 * evaluation as a loss event, applies ratio advice under its policy, and checkpoints so that an
 * interrupted run resumes without publishing anything twice. {@link #run(CptOptions)} returns what
 * happened.
 */
public final class CptAgent {

  private static final Logger LOG = LoggerFactory.getLogger(CptAgent.class);
  private static final String PHASE = "cpt";
  private static final Duration ADVICE_CATCH_UP = Duration.ofSeconds(20);

  private final TrainerMetrics metrics;

  /** An agent reporting into {@code metrics}. */
  public CptAgent(TrainerMetrics metrics) {
    this.metrics = metrics;
  }

  /**
   * Runs (or resumes) the run; interrupting the thread aborts it between steps, as a kill would.
   */
  public CptResult run(CptOptions o) throws InterruptedException {
    o.validate();
    long started = System.nanoTime();
    Corpus general = o.general.load();
    Corpus domain = o.domain.load();
    CheckpointState saved = o.checkpointDir == null ? null : CheckpointState.read(o.checkpointDir);
    if (saved != null && !(saved.experiment().equals(o.experiment) && saved.run().equals(o.run))) {
      throw new IllegalArgumentException(
          "checkpoint directory "
              + o.checkpointDir
              + " holds run "
              + saved.experiment()
              + "/"
              + saved.run()
              + ", not "
              + o.experiment
              + "/"
              + o.run
              + "; pass another --checkpoint-dir");
    }
    Device device = Devices.select(o.device);
    metrics.device(device.toString(), Devices.engine());
    Topics topics = Topics.withPrefix(o.topicPrefix);
    boolean listen = o.bootstrap != null && o.advicePolicy.mode() != AdvicePolicy.Mode.OFF;
    try (LanguageModelTrainer lm =
            saved == null
                ? LanguageModelTrainer.load(o.base, o.batchSize, device, (int) o.seed, false)
                : LanguageModelTrainer.load(
                    o.checkpointDir.resolve(saved.modelDir()),
                    o.batchSize,
                    device,
                    (int) o.seed,
                    true);
        EventPublisher publisher =
            o.bootstrap == null ? null : new EventPublisher(o.bootstrap, topics.lossEvents());
        EventFile file = o.eventsFile == null ? null : new EventFile(o.eventsFile);
        AdviceListener advice =
            listen
                ? new AdviceListener(
                        o.bootstrap,
                        topics.ratioAdvice(),
                        o.run,
                        saved == null ? Map.of() : saved.adviceOffsets())
                    .start()
                : null) {
      return new Loop(o, lm, general, domain, publisher, file, advice, saved, device, started)
          .run();
    }
  }

  /** The state of one invocation's training loop. */
  private final class Loop {
    private final CptOptions o;
    private final LanguageModelTrainer lm;
    private final EventPublisher publisher;
    private final EventFile file;
    private final AdviceListener advice;
    private final Device device;
    private final long started;
    private final int context;
    private final List<byte[]> generalValidation;
    private final List<byte[]> domainValidation;
    private final Mixer mixer;
    private final List<Evaluation> evaluations = new ArrayList<>();
    private final List<AdviceDecision> decisions = new ArrayList<>();
    private final Map<Integer, Long> adviceOffsets = new HashMap<>();
    private final ProgressBar progress;
    private final long resumedFrom;
    private Set<String> onTopic = Set.of();
    private long tokens;
    private long step;
    private long nextEval;
    private long lastChange = -1;
    private double baseGeneral;
    private double baseDomain;
    private int published;
    private int skipped;
    private int failed;
    private int evalsSinceCheckpoint;
    private float lastLearningRate;

    Loop(
        CptOptions o,
        LanguageModelTrainer lm,
        Corpus general,
        Corpus domain,
        EventPublisher publisher,
        EventFile file,
        AdviceListener advice,
        CheckpointState saved,
        Device device,
        long started) {
      this.o = o;
      this.lm = lm;
      this.publisher = publisher;
      this.file = file;
      this.advice = advice;
      this.device = device;
      this.started = started;
      this.context = lm.config().context();
      this.generalValidation = general.validation(o.validationSequences, context + 1);
      this.domainValidation = domain.validation(o.validationSequences, context + 1);
      this.mixer = new Mixer(general, domain, saved == null ? o.ratio : saved.ratio(), o.seed);
      this.progress = new ProgressBar(System.err, o.run, o.budgetTokens, o.quiet);
      if (saved != null) {
        tokens = saved.tokens();
        step = saved.step();
        nextEval = saved.nextEvalTokens();
        lastChange = saved.lastChangeTokens();
        baseGeneral = saved.baseGeneralLoss();
        baseDomain = saved.baseDomainLoss();
        mixer.restore(saved.domainTokens(), saved.mixedTokens());
        adviceOffsets.putAll(saved.adviceOffsets());
        evaluations.addAll(saved.evaluations());
        resumedFrom = tokens;
      } else {
        resumedFrom = -1;
      }
    }

    CptResult run() throws InterruptedException {
      if (resumedFrom >= 0) {
        LOG.info(
            "run {}/{}: resuming from checkpoint at {} tokens (step {}, ratio {})",
            o.experiment,
            o.run,
            tokens,
            step,
            mixer.ratio());
        if (publisher != null) {
          onTopic = publisher.publishedEventIds(o.experiment, o.run);
        }
        // An evaluation checkpointed but not acknowledged (or written) before the stop is published
        // now; the others are there.
        for (Evaluation e : evaluations) {
          publish(e);
        }
      } else {
        LOG.info(
            "run {}/{}: CPT from {} at ratio {} for {} tokens on {} ({} parameters)",
            o.experiment,
            o.run,
            o.base,
            o.ratio,
            o.budgetTokens,
            device,
            lm.parameterCount());
        Evaluation base = evaluate();
        baseGeneral = base.generalLoss();
        baseDomain = base.domainLoss();
        record(base);
        nextEval = o.evalEvery;
        checkpoint();
      }
      if (advice != null && !advice.awaitCaughtUp(ADVICE_CATCH_UP)) {
        LOG.warn(
            "advice topic not read to its end within {} s; advice will be applied as it arrives",
            ADVICE_CATCH_UP.toSeconds());
      }
      applyAdvice();
      long stepsThisRun = 0;
      long tokensThisRun = 0;
      long loopStart = System.nanoTime();
      while (tokens < o.budgetTokens && (o.maxSteps == 0 || stepsThisRun < o.maxSteps)) {
        if (Thread.currentThread().isInterrupted()) {
          progress.finish();
          LOG.warn(
              "run {}/{} interrupted at {} tokens; restart it to resume from the last checkpoint",
              o.experiment,
              o.run,
              tokens);
          throw new InterruptedException(
              "CPT run " + o.run + " interrupted at " + tokens + " tokens");
        }
        // Linear warm-up, then constant: lr(s) = lr · min(1, (s + 1) / warmup).
        lastLearningRate =
            o.learningRate * Math.min(1f, (step + 1) / (float) Math.max(1, o.warmupSteps));
        byte[][] batch = mixer.nextBatch(step, o.batchSize, context + 1);
        lm.step(batch, lastLearningRate);
        long n = (long) o.batchSize * context;
        step++;
        stepsThisRun++;
        tokens += n;
        tokensThisRun += n;
        metrics.trained(PHASE, o.run, n);
        Evaluation last = evaluations.get(evaluations.size() - 1);
        progress.update(tokens, last.generalLoss(), last.domainLoss());
        metrics.throughput(PHASE, o.run, progress.tokensPerSecond());
        metrics.ratios(o.run, mixer.ratio(), mixer.actualShare());
        if (tokens >= nextEval || tokens >= o.budgetTokens) {
          record(evaluate());
          while (nextEval <= tokens) {
            nextEval += o.evalEvery;
          }
          if (++evalsSinceCheckpoint >= o.checkpointEvery || tokens >= o.budgetTokens) {
            checkpoint();
          }
        }
        applyAdvice();
      }
      progress.finish();
      double seconds = (System.nanoTime() - started) / 1e9;
      double loopSeconds = (System.nanoTime() - loopStart) / 1e9;
      return new CptResult(
          o.experiment,
          o.run,
          device.toString(),
          mixer.ratio(),
          mixer.actualShare(),
          tokens,
          step,
          tokens >= o.budgetTokens,
          resumedFrom,
          List.copyOf(evaluations),
          List.copyOf(decisions),
          published,
          skipped,
          failed,
          loopSeconds > 0 ? tokensThisRun / loopSeconds : 0,
          seconds);
    }

    private Evaluation evaluate() {
      double g = lm.evaluate(generalValidation);
      double d = lm.evaluate(domainValidation);
      metrics.losses(o.run, g, d);
      return new Evaluation(tokens, step, mixer.ratio(), g, d, lastLearningRate);
    }

    private void record(Evaluation e) throws InterruptedException {
      evaluations.add(e);
      if (!o.quiet) {
        progress.update(tokens, e.generalLoss(), e.domainLoss());
      } else {
        LOG.info(
            "run {} at {} tokens: general {} domain {} ratio {}",
            o.run,
            e.tokens(),
            String.format("%.4f", e.generalLoss()),
            String.format("%.4f", e.domainLoss()),
            e.ratio());
      }
      publish(e);
    }

    private void publish(Evaluation e) throws InterruptedException {
      if (publisher == null && file == null) {
        return;
      }
      LossEvent event =
          LossEvent.builder()
              .experiment(o.experiment)
              .run(o.run)
              .ratio(e.ratio())
              .tokens(e.tokens())
              .step(e.step())
              .generalLoss(e.generalLoss())
              .domainLoss(e.domainLoss())
              .baseGeneralLoss(baseGeneral)
              .baseDomainLoss(baseDomain)
              .budgetTokens(o.budgetTokens)
              .learningRate((double) e.learningRate())
              .time(Instant.now())
              .eventId(o.run + "/" + e.tokens())
              .build();
      if (file != null) {
        file.append(event);
      }
      if (publisher == null) {
        return;
      }
      if (onTopic.contains(event.eventId())) {
        skipped++;
        return;
      }
      try {
        publisher.publish(event);
        published++;
        metrics.published(o.run);
      } catch (EventPublisher.PublishException ex) {
        failed++;
        metrics.failed(o.run);
        LOG.error("{}", ex.getMessage());
      }
    }

    private void applyAdvice() {
      if (advice == null) {
        return;
      }
      for (AdviceListener.Item item : advice.drain()) {
        AdviceDecision d =
            o.advicePolicy.decide(
                item.advice(), o.run, mixer.ratio(), tokens, o.budgetTokens, lastChange);
        decisions.add(d);
        adviceOffsets.put(item.partition(), item.offset() + 1);
        if (d.applied()) {
          mixer.setRatio(d.toRatio());
          lastChange = tokens;
          metrics.ratioChanged(o.run);
          LOG.info("run {}: {}", o.run, d.describe());
        } else {
          metrics.adviceRefused(o.run);
          LOG.info("run {}: {}", o.run, d.describe());
        }
      }
    }

    private void checkpoint() {
      evalsSinceCheckpoint = 0;
      if (o.checkpointDir == null) {
        return;
      }
      String name = "model-" + step;
      Path dir = o.checkpointDir.resolve(name);
      lm.save(dir);
      new CheckpointState(
              o.experiment,
              o.run,
              o.base.toString(),
              name,
              tokens,
              step,
              mixer.ratio(),
              mixer.domainTokens(),
              mixer.totalTokens(),
              nextEval,
              baseGeneral,
              baseDomain,
              lastChange,
              Map.copyOf(adviceOffsets),
              List.copyOf(evaluations))
          .write(o.checkpointDir);
      // Older model directories are no longer referenced by state.json.
      try (Stream<Path> old = Files.list(o.checkpointDir)) {
        old.filter(
                p ->
                    Files.isDirectory(p)
                        && p.getFileName().toString().startsWith("model-")
                        && !p.getFileName().toString().equals(name))
            .forEach(CptAgent::deleteTree);
      } catch (IOException e) {
        LOG.warn("could not prune old checkpoints in {}: {}", o.checkpointDir, e.toString());
      }
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.delete(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("could not delete old checkpoint {}: {}", dir, e.toString());
    }
  }
}
