package io.cmrwatch.streams.topology;

import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.kafka.advice.RatioAdvice;
import io.cmrwatch.streams.alert.Alert;
import io.cmrwatch.streams.alert.AlertKind;
import io.cmrwatch.streams.config.AppConfig;
import io.cmrwatch.streams.config.ExperimentSettings;
import io.cmrwatch.streams.metrics.StreamsMetrics;
import io.cmrwatch.streams.state.CmrEstimate;
import io.cmrwatch.streams.state.ExperimentState;
import io.cmrwatch.streams.state.RunUpdate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * The per-experiment step (key: experiment id, after the repartition). Keeps each run's latest
 * update, recomputes the experiment's CMR through core — at most once per {@code
 * cmrwatch.estimate.min-interval-ms}, the rest driven by a wall-clock punctuation — and publishes
 * the estimate only when it changed meaningfully. Live recomputes are warm (started from the
 * previous estimate), so they depend a little on the path the data took; once an experiment has
 * been quiet for {@code cmrwatch.estimate.settle-after-ms} it is recomputed once cold, which makes
 * its settled estimate exactly core's offline answer for the same events, whatever their order,
 * duplicates or restarts.
 *
 * <p>A recompute costs milliseconds (every run's laws plus the across-ratio and CMR-law fits), so
 * recomputes share the thread's {@link RefitBudget} with the run refits; when it is spent, due
 * experiments wait, oldest update first across the thread's tasks ({@link Turns}). Judges each
 * run's ratio against the CMR interval: a {@code ratio_above_cmr} alert, and ratio advice for runs
 * outside the interval.
 */
final class ExperimentProcessor implements Processor<String, byte[], String, Emitted> {

  private final AppConfig cfg;
  private final StreamsMetrics metrics;
  private final CoreAnalyst analyst;
  private ProcessorContext<String, Emitted> ctx;
  private KeyValueStore<String, ExperimentState> states;
  private KeyValueStore<String, RunUpdate> runs;
  private KeyValueStore<String, ExperimentState.HistoryPoint> history;
  private SettingsResolver settings;
  // Deserialised experiment states, within the instance's decoded-cache budget (evicted ones are
  // read back from the
  // store; the next recompute then starts from the runs' own fits instead of the previous analysis
  // in memory).
  private final DecodedCache<ExperimentState> cache;
  // Each experiment's runs' latest updates, decoded, within the instance's decoded-cache budget
  // (evicted ones are read
  // back from the store).
  private final DecodedCache<Map<String, RunUpdate>> live;
  // Experiments with updates not yet reflected in an estimate, in the order they began waiting.
  private final Map<String, Waiting> dirty = new LinkedHashMap<>();
  private final Turns turns;
  private final RefitBudget budget;
  // Settings read per update, parsed once.
  private final long estimateMinIntervalMs;
  private final long estimateLawIntervalMs;
  private final double estimateMinChange;
  private final int historySize;
  private final Set<String> owned = new LinkedHashSet<>();
  // Wall-clock ms of each experiment's last update while its estimate is not yet settled by a cold
  // recompute.
  private final Map<String, Long> unsettled = new HashMap<>();

  ExperimentProcessor(
      AppConfig cfg, StreamsMetrics metrics, CoreAnalyst analyst, DecodedCache.Budget decoded) {
    this.cfg = cfg;
    this.cache = new DecodedCache<>(decoded, ExperimentState::heapBytesEstimate);
    this.live = new DecodedCache<>(decoded, ExperimentProcessor::heapBytesEstimate);
    this.metrics = metrics;
    this.analyst = analyst;
    this.budget =
        new RefitBudget(cfg.refitMaxBusy(), cfg.refitFreshInputMs(), RefitBudget.Level.EXPERIMENT);
    this.turns = Turns.forPunctuations(Turns.Level.EXPERIMENT, cfg.punctuateInterval().toMillis());
    this.estimateMinIntervalMs = cfg.estimateMinInterval().toMillis();
    this.estimateLawIntervalMs = cfg.estimateLawInterval().toMillis();
    this.estimateMinChange = cfg.estimateMinChange();
    this.historySize = cfg.historySize();
  }

  /** An experiment waiting for a recompute. */
  private static final class Waiting {
    /** Wall-clock ms it began waiting (its place across the thread's tasks, see {@link Turns}). */
    final long sinceMs;

    /**
     * Record timestamp of the oldest event it waits on; {@code Long.MAX_VALUE}: none known (after a
     * restart).
     */
    long oldestTimestamp = Long.MAX_VALUE;

    Waiting(long sinceMs) {
      this.sinceMs = sinceMs;
    }
  }

  @Override
  public void init(ProcessorContext<String, Emitted> context) {
    this.ctx = context;
    this.states = context.getStateStore(StoreNames.EXPERIMENT_STATE);
    this.runs = context.getStateStore(StoreNames.EXPERIMENT_RUNS);
    this.history = context.getStateStore(StoreNames.EXPERIMENT_HISTORY);
    ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>> global =
        context.getStateStore(StoreNames.EXPERIMENT_SETTINGS);
    this.settings = new SettingsResolver(ExperimentSettings.defaults(cfg), global);
    // After a restart the "updated since the last estimate" marks are gone: recompute every
    // experiment once. An
    // unchanged estimate is not published again.
    try (KeyValueIterator<String, RunUpdate> it = runs.all()) {
      while (it.hasNext()) {
        String key = it.next().key;
        String experiment = key.substring(0, key.indexOf(StoreNames.SEPARATOR));
        long now = context.currentSystemTimeMs();
        dirty.computeIfAbsent(experiment, e -> new Waiting(now));
        unsettled.put(experiment, now);
      }
    }
    context.schedule(cfg.punctuateInterval(), PunctuationType.WALL_CLOCK_TIME, this::computeDue);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    RunUpdate u = RunUpdate.decode(record.value());
    String experiment = record.key();
    Map<String, RunUpdate> known = runsOf(experiment);
    runs.put(StoreNames.experimentRunKey(experiment, u.run()), u);
    known.put(u.run(), u);
    live.put(experiment, known); // weighed again: the update replaced a smaller or larger one
    long now = ctx.currentSystemTimeMs();
    Waiting w = dirty.computeIfAbsent(experiment, e -> new Waiting(now));
    w.oldestTimestamp = Math.min(w.oldestTimestamp, u.oldestEventTimestamp());
    unsettled.put(experiment, now);
    ExperimentState s = load(experiment);
    // Recomputed right away only when no other experiment of this task has waited longer, nor long
    // in another task of
    // the thread: the inline path must not starve the queues the punctuations serve oldest first.
    if ((s == null || now - s.lastComputeWallMs >= estimateMinIntervalMs)
        && dirty.keySet().iterator().next().equals(experiment)
        && w.sinceMs <= turns.limit(now)
        && budget.available()) {
      turns.served(w.sinceMs, now);
      compute(experiment, now, false);
    }
  }

  private void computeDue(long now) {
    long gap = estimateMinIntervalMs;
    List<String> due = new ArrayList<>();
    for (String experiment : dirty.keySet()) {
      ExperimentState s = load(experiment);
      if (s == null || now - s.lastComputeWallMs >= gap) {
        due.add(experiment);
      }
    }
    // Oldest first, until the budget is spent or another task of the thread has an experiment that
    // has waited much
    // longer (see Turns); then this task reports its oldest due experiment left.
    long limit = turns.limit(now);
    for (String e : due) {
      long since = dirty.get(e).sinceMs;
      if (since > limit || !budget.available()) {
        turns.waiting(since, now);
        return;
      }
      compute(e, now, false);
    }
    turns.waiting(Long.MAX_VALUE, now);
    long settle = cfg.estimateSettleAfter().toMillis();
    List<String> quiet = new ArrayList<>();
    for (Map.Entry<String, Long> e : unsettled.entrySet()) {
      if (!dirty.containsKey(e.getKey()) && now - e.getValue() >= settle) {
        quiet.add(e.getKey());
      }
    }
    for (String experiment : quiet) {
      if (!budget.available()) {
        return;
      }
      unsettled.remove(experiment);
      compute(experiment, now, true);
    }
  }

  /**
   * The runs' latest updates of {@code experiment} by run id (in run-id order): kept decoded in
   * memory for the experiments this task saw last, read from the store otherwise.
   */
  private Map<String, RunUpdate> runsOf(String experiment) {
    Map<String, RunUpdate> known = live.get(experiment);
    if (known == null) {
      known = new TreeMap<>();
      try (KeyValueIterator<String, RunUpdate> it =
          runs.prefixScan(StoreNames.experimentPrefix(experiment), new StringSerializer())) {
        while (it.hasNext()) {
          RunUpdate u = it.next().value;
          known.put(u.run(), u);
        }
      }
      live.put(experiment, known);
    }
    return known;
  }

  private static long heapBytesEstimate(Map<String, RunUpdate> updates) {
    long bytes = 256;
    for (RunUpdate u : updates.values()) {
      bytes += 64 + u.heapBytesEstimate();
    }
    return bytes;
  }

  private void compute(String experiment, long now, boolean cold) {
    Waiting waiting = dirty.remove(experiment);
    ExperimentState s = load(experiment);
    if (s == null) {
      s = new ExperimentState(experiment);
    }
    owned.add(experiment);
    List<RunUpdate> updates = new ArrayList<>(runsOf(experiment).values());
    if (updates.isEmpty()) {
      return;
    }
    long t0 = System.nanoTime();
    ExperimentSettings st = settings.resolve(experiment, settingsCarrier(updates));
    // The CMR law over budgets is most of a recompute's work and moves slowly: refitted at most
    // once per its interval.
    boolean keepLaw = !cold && now - s.lastLawWallMs < estimateLawIntervalMs;
    CoreAnalyst.EstimateResult result =
        analyst.estimate(
            experiment,
            updates,
            st,
            cold,
            keepLaw,
            s.latest,
            s.latestCore,
            Instant.ofEpochMilli(now));
    if (!keepLaw) {
      s.lastLawWallMs = now;
    }
    CmrEstimate e = result.estimate();
    metrics.refit("experiment", System.nanoTime() - t0);
    if (waiting != null && waiting.oldestTimestamp != Long.MAX_VALUE) {
      metrics.estimateLatency(now - waiting.oldestTimestamp);
    }
    s.latest = e;
    s.latestCore = result.core();
    s.lastComputeWallMs = now;
    if (e.differsFrom(s.published, estimateMinChange)) {
      byte[] json = e.toBytes();
      history.put(
          StoreNames.historyKey(experiment, s.publish(e, json)),
          ExperimentState.HistoryPoint.of(e));
      trimHistory(s);
      metrics.estimatePublished();
      ctx.forward(new Record<>(experiment, new Emitted(Emitted.Kind.ESTIMATE, json), now));
    }
    judgeRatios(s, updates, now);
    save(s);
    metrics
        .experiment(experiment)
        .update(
            e.status(),
            e.ok(),
            e.cmr(),
            e.cmrLow(),
            e.cmrHigh(),
            e.runsUsed(),
            e.pointsUsed(),
            e.budgetTokens() > 0 ? e.budgetTokens() : Double.NaN);
    budget.spend(System.nanoTime() - t0);
  }

  /** The summary whose event-carried settings count: the one of the run with the latest tokens. */
  private static RunSummary settingsCarrier(List<RunUpdate> updates) {
    RunSummary best = null;
    for (RunUpdate u : updates) {
      if (best == null || u.summary().latestTokens() > best.latestTokens()) {
        best = u.summary();
      }
    }
    return best;
  }

  /** Ratio alerts and advice for every run of the experiment against the published estimate. */
  private void judgeRatios(ExperimentState s, List<RunUpdate> updates, long now) {
    CmrEstimate e = s.published;
    if (e == null || !e.ok()) {
      return;
    }
    for (RunUpdate u : updates) {
      String run = u.run();
      double ratio = Double.isFinite(u.latestRatio()) ? u.latestRatio() : u.ratio();
      boolean above = ratio > e.cmrHigh();
      boolean on = s.ratioAbove.containsKey(run);
      if (above && !on) {
        s.ratioAbove.put(run, now);
        emitAlert(
            e,
            run,
            true,
            now,
            String.format(
                "run %s: ratio %.4f is above the CMR interval [%.4f, %.4f]; its general-loss bump will not turn over "
                    + "within the budget",
                run, ratio, e.cmrLow(), e.cmrHigh()),
            ratio);
      } else if (!above && on) {
        s.ratioAbove.remove(run);
        emitAlert(
            e,
            run,
            false,
            now,
            String.format(
                "run %s: ratio %.4f is no longer above the CMR interval [%.4f, %.4f]",
                run, ratio, e.cmrLow(), e.cmrHigh()),
            ratio);
      }
      advise(s, e, run, ratio, now);
    }
  }

  /**
   * Advice for a run outside [cmrLow, cmrHigh]: move to cmrLow, the largest ratio that the estimate
   * says is feasible with 95 % confidence (one-sided). Sent again only when the advised ratio moves
   * by more than the estimate's minimum change.
   */
  private void advise(ExperimentState s, CmrEstimate e, String run, double ratio, long now) {
    String reason;
    if (ratio > e.cmrHigh()) {
      reason = "ratio_above_cmr_interval";
    } else if (ratio < e.cmrLow()) {
      reason = "ratio_below_cmr_interval";
    } else {
      s.advised.remove(run);
      return;
    }
    double advised = e.cmrLow();
    Double last = s.advised.get(run);
    if (last != null && Math.abs(last - advised) <= estimateMinChange) {
      return;
    }
    s.advised.put(run, advised);
    RatioAdvice advice =
        new RatioAdvice(
            RatioAdvice.SCHEMA,
            e.experiment(),
            run,
            ratio,
            advised,
            reason,
            e.cmr(),
            e.cmrLow(),
            e.cmrHigh(),
            Instant.ofEpochMilli(now));
    ctx.forward(new Record<>(run, new Emitted(Emitted.Kind.ADVICE, advice.toJson()), now));
  }

  private void emitAlert(
      CmrEstimate e, String run, boolean firing, long now, String message, double ratio) {
    // The numbers behind it, built only for an alert that fires or resolves (a recompute judges
    // every run).
    Alert a =
        new Alert(
            AlertKind.RATIO_ABOVE_CMR,
            firing,
            e.experiment(),
            run,
            Instant.ofEpochMilli(now),
            message,
            Alert.values(
                "ratio", ratio, "cmr", e.cmr(), "cmrLow", e.cmrLow(), "cmrHigh", e.cmrHigh()));
    metrics.alert(AlertKind.RATIO_ABOVE_CMR.code(), a.state());
    StreamsMetrics.RunGauges g = metrics.run(e.experiment(), run);
    if (g != null) {
      g.alert(AlertKind.RATIO_ABOVE_CMR.code(), firing);
    }
    ctx.forward(new Record<>(run, new Emitted(Emitted.Kind.ALERT, a.toBytes()), now));
  }

  private ExperimentState load(String experiment) {
    ExperimentState s = cache.get(experiment);
    if (s == null) {
      s = states.get(experiment);
      if (s != null) {
        cache.put(experiment, s);
        if (!s.legacyHistory.isEmpty()) {
          // Written by a version that kept the history inside the state: its points move to the
          // history store.
          for (ExperimentState.HistoryPoint h : s.legacyHistory) {
            history.put(StoreNames.historyKey(experiment, s.historyNext++), h);
          }
          s.legacyHistory.clear();
          trimHistory(s);
          save(s);
        }
      }
    }
    return s;
  }

  /** Drops the oldest history points beyond {@code cmrwatch.history.size}. */
  private void trimHistory(ExperimentState s) {
    while (s.historyNext - s.historyFirst > historySize) {
      history.delete(StoreNames.historyKey(s.experiment, s.historyFirst++));
    }
  }

  private void save(ExperimentState s) {
    cache.put(s.experiment, s);
    states.put(s.experiment, s);
  }

  @Override
  public void close() {
    owned.forEach(metrics::forgetExperiment);
    owned.clear();
    cache.clear();
    live.clear();
    turns.close();
  }
}
