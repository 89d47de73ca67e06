package io.cmrwatch.streams.topology;

import io.cmrwatch.core.cmr.EstimateJson;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.cmr.RunEstimate;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.law.LawForm;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.core.summary.RunSummaryCodec;
import io.cmrwatch.kafka.advice.RatioAdvice;
import io.cmrwatch.streams.advice.AdvicePolicy;
import io.cmrwatch.streams.alert.Alert;
import io.cmrwatch.streams.alert.AlertKind;
import io.cmrwatch.streams.alert.AlertPolicy;
import io.cmrwatch.streams.config.AppConfig;
import io.cmrwatch.streams.config.ExperimentSettings;
import io.cmrwatch.streams.dlq.RejectedRecordException;
import io.cmrwatch.streams.fit.FittedLaw;
import io.cmrwatch.streams.metrics.StreamsMetrics;
import io.cmrwatch.streams.publish.PublishThrottle;
import io.cmrwatch.streams.publish.RunFitRecord;
import io.cmrwatch.streams.schedule.AnalysisSchedule;
import io.cmrwatch.streams.schedule.BacklogShare;
import io.cmrwatch.streams.state.ExperimentState;
import io.cmrwatch.streams.state.HistoryPoint;
import io.cmrwatch.streams.state.RunState;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one stage of the topology (key: experiment id). It absorbs each loss event into its run's
 * curve summary (idempotent on event ids, any order), judges the per-event alerts, and marks the
 * experiment as waiting; a wall-clock punctuation analyses waiting experiments with core's {@code
 * ExperimentAnalyzer} as the {@link AnalysisSchedule} lets it — warm from the latest estimate, or
 * cold once the experiment is quiet — and publishes what the {@link PublishThrottle} passes: run
 * fits, the CMR estimate, alerts and ratio advice. A second punctuation looks for stalled runs.
 *
 * <p>The policies are plain classes; this class adapts them to Kafka Streams: stores, records,
 * metrics. Everything it writes is in stores with changelogs, so an instance killed at any moment
 * restarts to the same state.
 */
final class ExperimentProcessor implements Processor<String, LossEvent, String, Object> {

  private static final Logger LOG = LoggerFactory.getLogger(ExperimentProcessor.class);

  private final AppConfig cfg;
  private final StreamsMetrics metrics;
  private final Analyzers analyzers;
  private final BacklogShare share;
  private final LongSupplier nanoClock;
  private final AlertPolicy alerts;
  private final AdvicePolicy advice;
  private final PublishThrottle throttle;
  private final int historySize;
  // Deserialised experiments, within the instance's decoded-state budget (evicted ones are read
  // back from the stores).
  private final DecodedCache<Experiment> cache;
  // Wall-clock ms of each run's last event (key: the run's store key), for stall checks without
  // reading every state; and the runs found stalled.
  private final Map<String, Long> lastSeen = new HashMap<>();
  private final Set<String> stalled = new LinkedHashSet<>();
  private final Set<String> owned = new LinkedHashSet<>();
  // The last analysis error logged per experiment (logged again only when it changes).
  private final Map<String, String> errors = new HashMap<>();
  private ProcessorContext<String, Object> ctx;
  private KeyValueStore<String, RunState> runs;
  private KeyValueStore<String, ExperimentState> experiments;
  private KeyValueStore<String, HistoryPoint> history;
  private KeyValueStore<String, byte[]> runIndex;
  private SettingsResolver settings;
  private AnalysisSchedule schedule;

  ExperimentProcessor(
      AppConfig cfg,
      StreamsMetrics metrics,
      Analyzers analyzers,
      DecodedCache.Budget decoded,
      BacklogShare share,
      LongSupplier nanoClock) {
    this.cfg = cfg;
    this.metrics = metrics;
    this.analyzers = analyzers;
    this.share = share;
    this.nanoClock = nanoClock;
    this.cache = new DecodedCache<>(decoded, Experiment::heapBytesEstimate);
    this.alerts =
        new AlertPolicy(cfg.spikeSigma(), cfg.spikeMinPoints(), cfg.stallAfter().toMillis());
    this.advice = new AdvicePolicy(cfg.estimateMinChange());
    this.throttle =
        new PublishThrottle(cfg.estimateMinChange(), cfg.runFitMinInterval().toMillis());
    this.historySize = cfg.historySize();
  }

  @Override
  public void init(ProcessorContext<String, Object> context) {
    this.ctx = context;
    this.runs = context.getStateStore(StoreNames.RUNS);
    this.experiments = context.getStateStore(StoreNames.EXPERIMENTS);
    this.history = context.getStateStore(StoreNames.HISTORY);
    this.runIndex = context.getStateStore(StoreNames.RUN_INDEX);
    ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>> global =
        context.getStateStore(StoreNames.EXPERIMENT_SETTINGS);
    this.settings = new SettingsResolver(ExperimentSettings.defaults(cfg), global);
    this.schedule =
        new AnalysisSchedule(
            cfg.estimateMinInterval().toMillis(),
            cfg.estimateSettleAfter().toMillis(),
            cfg.estimateBehindAfter().toMillis(),
            share,
            nanoClock);
    // The task starts on restored state: every experiment is analysed once soon (its estimate
    // warm from the published one), then settled. An unchanged estimate is not published again.
    long now = context.currentSystemTimeMs();
    try (KeyValueIterator<String, ExperimentState> it = experiments.all()) {
      it.forEachRemaining(kv -> schedule.restored(kv.key, now));
    }
    context.schedule(cfg.punctuateInterval(), PunctuationType.WALL_CLOCK_TIME, this::serve);
    context.schedule(cfg.stallCheckInterval(), PunctuationType.WALL_CLOCK_TIME, this::checkStalls);
  }

  @Override
  public void process(Record<String, LossEvent> record) {
    long now = ctx.currentSystemTimeMs();
    metrics.inputDelay(System.currentTimeMillis() - record.timestamp());
    LossEvent e = record.value();
    Experiment x = load(e.experiment());
    RunState s = x == null ? null : x.runs.get(e.run());
    boolean newRun = s == null;
    if (newRun) {
      s = RunState.of(e.experiment(), e.run());
    }
    RunSummary.Absorption a;
    Long changeBefore = s.summary().ratioChangeTokens();
    try {
      a = s.summary().absorb(e);
    } catch (IllegalArgumentException ex) {
      // The summary rejects what it cannot hold (a loss beyond its fixed-point range); nothing was
      // changed.
      throw new RejectedRecordException("loss_out_of_range", ex.getMessage());
    }
    metrics.eventProcessed();
    if (a == RunSummary.Absorption.DUPLICATE) {
      metrics.duplicateEvent();
      return;
    }
    if (x == null) {
      x = new Experiment(new ExperimentState(e.experiment()));
    }
    if (newRun) {
      x.runs.put(e.run(), s);
      x.state.addRun(e.run());
      experiments.put(x.id(), x.state);
      runIndex.put(StoreNames.runIndexKey(e.run(), e.experiment()), new byte[0]);
    }
    // What the store must rewrite: the bin the event fell into, or every bin when a ratio change
    // dropped some.
    if (a == RunSummary.Absorption.ABSORBED) {
      s.markBin(RunSummaryCodec.binIndex(e.tokens()));
    }
    if (!Objects.equals(changeBefore, s.summary().ratioChangeTokens())) {
      s.markAllBins();
    }
    if (e.tokens() >= s.latestRatioTokens) {
      s.latestRatio = e.ratio();
      s.latestRatioTokens = e.tokens();
    }
    s.lastEventWallMs = now;
    s.changedSinceAnalysis = true;
    String key = StoreNames.runKey(e.experiment(), e.run());
    lastSeen.put(key, now);
    stalled.remove(key);
    ExperimentSettings st = settings.resolve(e.experiment(), s.summary());
    emit(
        alerts.onEvent(
            s.firing,
            s.summary(),
            e,
            a == RunSummary.Absorption.ABSORBED,
            s.fit,
            st.epsilon(),
            st.tokenUnit(),
            now),
        now);
    runs.put(key, s);
    if (newRun) {
      // Weighed again as it grows by a run; otherwise at its next analysis (weighing it per event
      // would cost more than the event).
      cache.put(x.id(), x);
    }
    schedule.event(x.id(), now, record.timestamp(), now - record.timestamp());
  }

  /** The punctuation: the analyses due, oldest first, as long as the schedule lets them start. */
  private void serve(long now) {
    for (AnalysisSchedule.Turn t : schedule.due(now)) {
      if (!schedule.mayStart()) {
        break;
      }
      long t0 = nanoClock.getAsLong();
      analyse(t, now);
      schedule.done(t, now, nanoClock.getAsLong() - t0);
    }
  }

  private void analyse(AnalysisSchedule.Turn turn, long now) {
    Experiment x = load(turn.experiment());
    if (x == null || x.runs.isEmpty()) {
      return;
    }
    owned.add(x.id());
    ExperimentSettings st = settings.resolve(x.id(), x.settingsCarrier());
    ExperimentEstimate previous =
        turn.cold() ? null : x.latest != null ? x.latest : x.state.published();
    int refitted = 0;
    for (RunState s : x.runs.values()) {
      refitted += s.changedSinceAnalysis ? 1 : 0;
    }
    long t0 = nanoClock.getAsLong();
    ExperimentEstimate e;
    try {
      e = analyzers.of(st).analyze(x.id(), x.summaries(), previous);
      errors.remove(x.id());
    } catch (RuntimeException ex) {
      e = analysisError(x.id(), st, ex);
    }
    metrics.analysis(nanoClock.getAsLong() - t0, refitted);
    if (turn.oldestEventTimestamp() != Long.MAX_VALUE) {
      metrics.estimateLatency(now - turn.oldestEventTimestamp());
    }
    x.latest = e;
    boolean settling = turn.cold();
    for (RunEstimate r : e.runs()) {
      RunState s = x.runs.get(r.run());
      if (s == null) {
        continue;
      }
      s.fit = r;
      s.changedSinceAnalysis = false;
      Map<AlertKind, Integer> pendingBefore = Map.copyOf(s.pending);
      boolean changed =
          emit(alerts.onFit(s.firing, s.pending, s.summary(), r, e, now), now)
              || !s.pending.equals(pendingBefore);
      if (throttle.runFit(r, s.publishedFit(), s.publishedFitWallMs(), now, settling)) {
        s.publish(r, now);
        ctx.forward(new Record<>(r.run(), RunFitRecord.of(e, r), now));
        changed = true;
      }
      if (changed) {
        runs.put(StoreNames.runKey(x.id(), r.run()), s);
      }
    }
    if (throttle.estimate(e, x.state.published(), settling)) {
      publish(x, e, now);
    }
    judgeRatios(x, now);
    report(x, e);
    cache.put(x.id(), x);
  }

  private void publish(Experiment x, ExperimentEstimate e, long now) {
    long seq = x.state.publish(e, EstimateJson.bytes(e), now);
    history.put(StoreNames.historyKey(x.id(), seq), HistoryPoint.of(e, Instant.ofEpochMilli(now)));
    for (long gone : x.state.trimHistory(historySize)) {
      history.delete(StoreNames.historyKey(x.id(), gone));
    }
    experiments.put(x.id(), x.state);
    metrics.estimatePublished();
    ctx.forward(new Record<>(x.id(), e, now));
  }

  /** Every run's ratio against the published estimate: the ratio alert and advice. */
  private void judgeRatios(Experiment x, long now) {
    ExperimentEstimate published = x.state.published();
    for (RunState s : x.runs.values()) {
      double ratio = Double.isFinite(s.latestRatio) ? s.latestRatio : s.summary().ratio();
      Alert a = alerts.onEstimate(s.firing, s.summary(), ratio, published, now);
      boolean changed = emit(a == null ? List.of() : List.of(a), now);
      AdvicePolicy.Decision d = advice.advise(ratio, published, s.advisedRatio);
      if (d.send()) {
        ctx.forward(
            new Record<>(
                s.summary().run(),
                new RatioAdvice(
                    RatioAdvice.SCHEMA,
                    x.id(),
                    s.summary().run(),
                    ratio,
                    d.advisedRatio(),
                    d.reason(),
                    published.cmr(),
                    published.cmrLow(),
                    published.cmrHigh(),
                    Instant.ofEpochMilli(now)),
                now));
      }
      if (Double.compare(d.advisedRatio(), s.advisedRatio) != 0) {
        s.advisedRatio = d.advisedRatio();
        changed = true;
      }
      if (changed) {
        runs.put(StoreNames.runKey(x.id(), s.summary().run()), s);
      }
    }
  }

  /** The estimate of an analysis that failed: its status says so, and the stream goes on. */
  private ExperimentEstimate analysisError(
      String experiment, ExperimentSettings st, RuntimeException ex) {
    String message = "the analysis failed: " + ex;
    if (!message.equals(errors.put(experiment, message))) {
      LOG.warn("analysis of experiment {} failed", experiment, ex);
    }
    return new ExperimentEstimate(
        ExperimentEstimate.SCHEMA,
        experiment,
        st.hasBudget() ? st.budgetTokens() : null,
        "analysis_error",
        message,
        null,
        null,
        null,
        null,
        null,
        st.epsilon(),
        st.lambda(),
        st.tokenUnit(),
        0,
        null,
        List.of());
  }

  private void checkStalls(long now) {
    for (Map.Entry<String, Long> e : Map.copyOf(lastSeen).entrySet()) {
      String key = e.getKey();
      if (!alerts.silent(e.getValue(), now) || stalled.contains(key)) {
        continue;
      }
      int sep = key.indexOf(StoreNames.SEPARATOR);
      Experiment x = load(key.substring(0, sep));
      RunState s = x == null ? null : x.runs.get(key.substring(sep + 1));
      if (s == null) {
        lastSeen.remove(key);
        continue;
      }
      stalled.add(key);
      Alert a = alerts.onSilence(s.firing, s.summary(), s.lastEventWallMs, now);
      if (a != null && emit(List.of(a), now)) {
        runs.put(key, s);
      }
    }
  }

  /** Publishes alert transitions and reports them; returns whether there were any. */
  private boolean emit(List<Alert> transitions, long now) {
    for (Alert a : transitions) {
      metrics.alert(a.kind(), a.state());
      StreamsMetrics.RunGauges g = metrics.run(a.experiment(), a.run());
      if (g != null) {
        g.alert(a.kind(), a.firing());
      }
      ctx.forward(new Record<>(a.run(), a, now));
    }
    return !transitions.isEmpty();
  }

  /** The experiment's and its runs' gauges after an analysis. */
  private void report(Experiment x, ExperimentEstimate e) {
    metrics
        .experiment(x.id())
        .update(
            e.status(),
            e.ok(),
            orNaN(e.cmr()),
            orNaN(e.cmrLow()),
            orNaN(e.cmrHigh()),
            e.usableRuns(),
            HistoryPoint.pointsUsed(e),
            e.budgetTokens() == null ? Double.NaN : e.budgetTokens());
    for (RunState s : x.runs.values()) {
      RunSummary sum = s.summary();
      StreamsMetrics.RunGauges g = metrics.run(x.id(), sum.run());
      if (g == null) {
        continue;
      }
      g.observed(
          s.latestRatio,
          sum.latestTokens(),
          sum.latestGeneralLossIncrease(),
          -sum.latestDomainLossChange(),
          s.lastEventWallMs);
      RunEstimate f = s.fit;
      if (f != null) {
        g.fitted(
            e.epsilon(),
            e.budgetTokens() == null ? Double.NaN : e.budgetTokens(),
            f.t0Tokens() != null
                ? f.t0Tokens()
                : Boolean.FALSE.equals(f.turnedOver()) ? Double.POSITIVE_INFINITY : Double.NaN,
            f.feasible() == null ? Double.NaN : f.feasible() ? 1 : 0,
            orNaN(f.feasibleProbability()),
            orNaN(f.turnOverProbability()),
            orNaN(f.generalLossIncreaseAtBudget()),
            f.domainLaw() == null || e.budgetTokens() == null
                ? Double.NaN
                : -FittedLaw.value(
                    LawForm.DOMAIN, f.domainLaw(), e.budgetTokens() / e.tokenUnit()));
      }
    }
  }

  private static double orNaN(Double v) {
    return v == null ? Double.NaN : v;
  }

  /** The experiment, from the cache or the stores; null when it has no state yet. */
  private Experiment load(String experiment) {
    Experiment x = cache.get(experiment);
    if (x != null) {
      return x;
    }
    ExperimentState st = experiments.get(experiment);
    if (st == null) {
      return null;
    }
    x = new Experiment(st);
    for (String run : st.runs()) {
      String key = StoreNames.runKey(experiment, run);
      RunState s = runs.get(key);
      if (s != null) {
        x.runs.put(run, s);
        lastSeen.putIfAbsent(key, s.lastEventWallMs);
        if (s.firing.containsKey(AlertKind.RUN_STALLED)) {
          stalled.add(key);
        }
        // Alerts that fired before this task held the run (a restart, a rebalance) are reported
        // as firing here too.
        if (!s.firing.isEmpty()) {
          StreamsMetrics.RunGauges g = metrics.run(experiment, run);
          if (g != null) {
            s.firing.keySet().forEach(k -> g.alert(k.code(), true));
          }
        }
      }
    }
    cache.put(experiment, x);
    return x;
  }

  @Override
  public void close() {
    // The task moved away or the app stops: this instance no longer exports these experiments.
    owned.forEach(metrics::forgetExperiment);
    owned.clear();
    cache.clear();
    schedule.close();
  }
}
