package io.cmrwatch.streams.topology;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.core.summary.RunSummaryCodec;
import io.cmrwatch.streams.alert.Alert;
import io.cmrwatch.streams.alert.AlertKind;
import io.cmrwatch.streams.config.AppConfig;
import io.cmrwatch.streams.config.ExperimentSettings;
import io.cmrwatch.streams.dlq.RejectedRecordException;
import io.cmrwatch.streams.metrics.StreamsMetrics;
import io.cmrwatch.streams.state.RunFit;
import io.cmrwatch.streams.state.RunState;
import io.cmrwatch.streams.state.RunUpdate;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * The per-run step (key: run id). Absorbs each valid event into the run's curve summary (idempotent
 * on event id), watches the observed general loss and spikes, refits the run's laws — at most once
 * per {@code cmrwatch.refit.min-interval-ms} unless {@code cmrwatch.refit.max-events} new events
 * piled up, and only while the thread's {@link RefitBudget} lasts; the rest is picked up by a
 * wall-clock punctuation, oldest pending first across the thread's tasks ({@link Turns}) — and
 * emits the run's fit, its alerts, and an update for the experiment level. A second wall-clock
 * punctuation detects stalled runs.
 */
final class RunProcessor implements Processor<String, LossEvent, String, Emitted> {

  /**
   * Observed forgetting resolves below this fraction of ε, so that noise around ε does not flap the
   * alert.
   */
  static final double RESOLVE_FRACTION = 0.9;

  /**
   * Smallest noise scale used for spike detection (loss units): evaluation noise of a real loss is
   * rarely below this, and a curve fitted almost exactly (or an early fit extrapolated a little)
   * must not turn every point into a spike.
   */
  static final double MIN_NOISE = 5e-3;

  private static final AlertKind[] RUN_ALERTS = {
    AlertKind.FORGETTING_OBSERVED,
    AlertKind.FORGETTING_PREDICTED,
    AlertKind.LOSS_SPIKE,
    AlertKind.RUN_STALLED
  };
  private final AppConfig cfg;
  private final StreamsMetrics metrics;
  private final CoreAnalyst analyst;
  private final RefitBudget budget;
  // Settings read per event, parsed once.
  private final int refitMaxEvents;
  private final long refitMinIntervalMs;
  private final int spikeMinPoints;
  private final double spikeSigma;
  private ProcessorContext<String, Emitted> ctx;
  private KeyValueStore<String, RunState> store;
  private SettingsResolver settings;
  // Deserialised run states, within the instance's decoded-cache budget (evicted ones are read back
  // from the store).
  private final DecodedCache<RunState> cache;
  // Runs with events not yet covered by a refit, with the wall-clock ms they became pending (in
  // that order).
  private final Map<String, Long> pending = new LinkedHashMap<>();
  // This task's place among the thread's tasks: oldest pending first across them.
  private final Turns turns;
  // Wall-clock ms of each run's last event, for stall detection without reading every state.
  private final Map<String, Long> lastSeen = new HashMap<>();
  private final Map<String, Boolean> stalled = new HashMap<>();
  private final Set<String> owned = new LinkedHashSet<>();

  RunProcessor(
      AppConfig cfg, StreamsMetrics metrics, CoreAnalyst analyst, DecodedCache.Budget decoded) {
    this.cfg = cfg;
    this.cache = new DecodedCache<>(decoded, RunState::heapBytesEstimate);
    this.metrics = metrics;
    this.analyst = analyst;
    this.budget =
        new RefitBudget(cfg.refitMaxBusy(), cfg.refitFreshInputMs(), RefitBudget.Level.RUN);
    this.turns = Turns.forPunctuations(Turns.Level.RUN, cfg.punctuateInterval().toMillis());
    this.refitMaxEvents = cfg.refitMaxEvents();
    this.refitMinIntervalMs = cfg.refitMinInterval().toMillis();
    this.spikeMinPoints = cfg.spikeMinPoints();
    this.spikeSigma = cfg.spikeSigma();
  }

  @Override
  public void init(ProcessorContext<String, Emitted> context) {
    this.ctx = context;
    this.store = context.getStateStore(StoreNames.RUN_STATE);
    ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>> global =
        context.getStateStore(StoreNames.EXPERIMENT_SETTINGS);
    this.settings = new SettingsResolver(ExperimentSettings.defaults(cfg), global);
    // Rebuild the in-memory indexes from the (restored) store: pending refits and last-seen times.
    try (KeyValueIterator<String, RunState> it = store.all()) {
      while (it.hasNext()) {
        KeyValue<String, RunState> kv = it.next();
        RunState s = kv.value;
        lastSeen.put(kv.key, s.lastEventWallMs);
        stalled.put(kv.key, s.firing.containsKey(AlertKind.RUN_STALLED));
        if (s.pending > 0) {
          pending.put(kv.key, context.currentSystemTimeMs());
        }
      }
    }
    context.schedule(cfg.punctuateInterval(), PunctuationType.WALL_CLOCK_TIME, this::refitPending);
    context.schedule(cfg.stallCheckInterval(), PunctuationType.WALL_CLOCK_TIME, this::checkStalls);
  }

  @Override
  public void process(Record<String, LossEvent> record) {
    RefitBudget.input(record.timestamp(), ctx.currentSystemTimeMs());
    metrics.inputDelay(System.currentTimeMillis() - record.timestamp());
    LossEvent e = record.value();
    if (e == null) {
      throw new RejectedRecordException(
          "missing_field", "record has no value (a tombstone): expected a loss event");
    }
    if (!e.run().equals(record.key())) {
      throw new RejectedRecordException(
          "key_mismatch",
          "record key "
              + (record.key() == null ? "null" : "\"" + record.key() + "\"")
              + " is not the event's run id \""
              + e.run()
              + "\": produce loss events keyed by their run id");
    }
    String key = StoreNames.runKey(e.run(), e.experiment());
    RunState s = load(key);
    if (s == null) {
      s = RunState.of(e.experiment(), e.run());
    }
    long now = ctx.currentSystemTimeMs();
    RunSummary.Absorption a;
    Long changeBefore = s.summary().ratioChangeTokens();
    try {
      a = s.summary().absorb(e);
    } catch (IllegalArgumentException ex) {
      // The summary rejects what it cannot hold (a loss beyond its fixed-point range); nothing was
      // changed.
      throw new RejectedRecordException("loss_out_of_range", ex.getMessage());
    }
    // What the store must rewrite: the bin the event fell into, or every bin when a ratio change
    // dropped some.
    if (a == RunSummary.Absorption.ABSORBED) {
      s.markBin(RunSummaryCodec.binIndex(e.tokens()));
    }
    if (!Objects.equals(changeBefore, s.summary().ratioChangeTokens())) {
      s.markAllBins();
    }
    metrics.eventProcessed();
    if (a == RunSummary.Absorption.DUPLICATE) {
      metrics.duplicateEvent();
      return;
    }
    try {
      absorbed(s, e, a, record.timestamp(), now);
    } catch (RuntimeException ex) {
      // The cached state may be half-updated; the store holds the last consistent one.
      cache.remove(key);
      throw ex;
    }
  }

  private void absorbed(
      RunState s, LossEvent e, RunSummary.Absorption a, long timestamp, long now) {
    String run = key(s);
    if (e.tokens() >= s.latestRatioTokens) {
      s.latestRatio = e.ratio();
      s.latestRatioTokens = e.tokens();
    }
    s.lastEventWallMs = now;
    lastSeen.put(run, now);
    s.pending++;
    s.oldestPendingTimestamp = Math.min(s.oldestPendingTimestamp, timestamp);
    ExperimentSettings st = settings.resolve(e.experiment(), s.summary());
    if (s.firing.containsKey(AlertKind.RUN_STALLED)) {
      resolve(
          s,
          AlertKind.RUN_STALLED,
          now,
          "run " + e.run() + " reports again",
          Alert.values("tokens", e.tokens()));
      stalled.put(run, false);
    }
    checkObservedForgetting(s, st, now);
    if (a == RunSummary.Absorption.ABSORBED) {
      checkSpike(s, e, now);
    }
    if ((s.pending >= refitMaxEvents || now - s.lastRefitWallMs >= refitMinIntervalMs)
        && pending.isEmpty()
        && now <= turns.limit(now)
        && budget.available()) {
      // Nothing is waiting here, nor long in another task of the thread: refit now (low latency
      // when the load is
      // light).
      refit(s, now);
    } else {
      pending.putIfAbsent(run, now);
    }
    save(s);
    report(s);
  }

  private void checkObservedForgetting(RunState s, ExperimentSettings st, long now) {
    double inc = s.summary().latestGeneralLossIncrease();
    boolean on = s.firing.containsKey(AlertKind.FORGETTING_OBSERVED);
    boolean fire = !on && inc > st.epsilon();
    boolean resolve = on && inc <= RESOLVE_FRACTION * st.epsilon();
    if (!fire && !resolve) {
      return; // the common case, per event: nothing to build
    }
    var values =
        Alert.values(
            "generalLossIncrease",
            inc,
            "epsilon",
            st.epsilon(),
            "tokens",
            s.summary().latestTokens(),
            "ratio",
            s.latestRatio);
    if (fire) {
      fire(
          s,
          AlertKind.FORGETTING_OBSERVED,
          now,
          String.format(
              "run %s: general loss is up %.4f over the base model, more than ε = %.4f",
              s.summary().run(), inc, st.epsilon()),
          values);
    } else {
      resolve(
          s,
          AlertKind.FORGETTING_OBSERVED,
          now,
          String.format(
              "run %s: general-loss increase %.4f is back within ε = %.4f",
              s.summary().run(), inc, st.epsilon()),
          values);
    }
  }

  private void checkSpike(RunState s, LossEvent e, long now) {
    RunFit f = s.fit;
    if (f == null
        || !f.ok()
        || f.points() < spikeMinPoints
        || e.tokens() <= 0
        || f.general() == null
        || f.domain() == null) {
      return;
    }
    double t = e.tokens() / f.tokenUnit();
    double rg = e.generalLossIncrease() - f.general().value(t);
    double rd = e.domainLossChange() - f.domain().value(t);
    double ng = Math.max(MIN_NOISE, nanTo(f.generalRmse(), MIN_NOISE));
    double nd = Math.max(MIN_NOISE, nanTo(f.domainRmse(), MIN_NOISE));
    double zg = Math.abs(rg) / ng;
    double zd = Math.abs(rd) / nd;
    boolean spike = zg > spikeSigma || zd > spikeSigma;
    boolean on = s.firing.containsKey(AlertKind.LOSS_SPIKE);
    if (spike == on) {
      return; // no transition (the common case, per event)
    }
    var values =
        Alert.values(
            "tokens",
            e.tokens(),
            "generalResidual",
            rg,
            "generalNoise",
            ng,
            "domainResidual",
            rd,
            "domainNoise",
            nd,
            "sigma",
            spikeSigma);
    if (spike) {
      fire(
          s,
          AlertKind.LOSS_SPIKE,
          now,
          String.format(
              "run %s: loss at %d tokens is %.1f noise deviations off the fitted trend",
              s.summary().run(), e.tokens(), Math.max(zg, zd)),
          values);
    } else {
      resolve(
          s,
          AlertKind.LOSS_SPIKE,
          now,
          "run " + s.summary().run() + ": losses are back on the fitted trend",
          values);
    }
  }

  private static double nanTo(double v, double fallback) {
    return Double.isFinite(v) ? v : fallback;
  }

  /**
   * Refits the run, emits its fit and an update for its experiment, and judges predicted
   * forgetting.
   */
  private void refit(RunState s, long now) {
    RunSummary summary = s.summary();
    ExperimentSettings st = settings.resolve(summary.experiment(), summary);
    long t0 = System.nanoTime();
    // While other runs wait for a refit, a due cold refit (a multi-start fit, tens of times a warm
    // one) is deferred:
    // under load every run then gets a fresh warm fit sooner, and the cold one happens once the
    // queue is empty.
    boolean othersWaiting =
        pending.size() > (pending.containsKey(key(s)) ? 1 : 0) || turns.othersWaiting(now);
    CoreAnalyst.RunResult result =
        analyst.fitRun(summary, st, s.fit, s.fitCore, othersWaiting, Instant.ofEpochMilli(now));
    RunFit fit = result.fit();
    metrics.refit("run", System.nanoTime() - t0);
    long oldest = s.oldestPendingTimestamp;
    s.fit = fit;
    s.fitCore = result.core();
    s.markFit();
    s.pending = 0;
    s.oldestPendingTimestamp = Long.MAX_VALUE;
    s.lastRefitWallMs = now;
    pending.remove(key(s));
    ctx.forward(new Record<>(summary.run(), new Emitted(Emitted.Kind.RUN_FIT, s.fitBytes()), now));
    RunUpdate u =
        new RunUpdate(fit, summary, s.latestRatio, oldest == Long.MAX_VALUE ? now : oldest);
    ctx.forward(
        new Record<>(summary.experiment(), new Emitted(Emitted.Kind.RUN_UPDATE, u.encode()), now));
    if (fit.ok() && fit.budgetTokens() > 0 && Double.isFinite(fit.predictedGeneralLossIncrease())) {
      boolean over = fit.predictedGeneralLossIncrease() > fit.epsilon();
      boolean on = s.firing.containsKey(AlertKind.FORGETTING_PREDICTED);
      var values =
          Alert.values(
              "predictedGeneralLossIncrease",
              fit.predictedGeneralLossIncrease(),
              "epsilon",
              fit.epsilon(),
              "budgetTokens",
              fit.budgetTokens(),
              "ratio",
              fit.ratio(),
              "fitTokens",
              fit.fitTokens());
      if (over && !on) {
        fire(
            s,
            AlertKind.FORGETTING_PREDICTED,
            now,
            String.format(
                "run %s: the fitted general loss is %.4f above the base at the budget, more than ε = %.4f",
                summary.run(), fit.predictedGeneralLossIncrease(), fit.epsilon()),
            values);
      } else if (!over && on) {
        resolve(
            s,
            AlertKind.FORGETTING_PREDICTED,
            now,
            String.format(
                "run %s: the fitted general-loss increase at the budget, %.4f, is within ε = %.4f",
                summary.run(), fit.predictedGeneralLossIncrease(), fit.epsilon()),
            values);
      }
    }
    // The budget pays for the whole refit: the fit, its JSON, and sending it on (the experiment
    // step's share is
    // charged there).
    budget.spend(System.nanoTime() - t0);
  }

  private void refitPending(long now) {
    // One pass, oldest pending first, until the budget is spent or another task of the thread has a
    // run that has
    // waited much longer (see Turns; a refit takes its run off the set here); then this task
    // reports its oldest due
    // run left.
    long limit = turns.limit(now);
    long left = Long.MAX_VALUE;
    for (Iterator<Map.Entry<String, Long>> it = pending.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Long> p = it.next();
      RunState s = load(p.getKey());
      if (s == null || s.pending == 0) {
        it.remove();
        continue;
      }
      if (now - s.lastRefitWallMs < refitMinIntervalMs) {
        continue;
      }
      if (p.getValue() > limit || !budget.available()) {
        left = p.getValue();
        break;
      }
      it.remove();
      refit(s, now);
      save(s);
      report(s);
    }
    turns.waiting(left, now);
  }

  private void checkStalls(long now) {
    long after = cfg.stallAfter().toMillis();
    for (Iterator<Map.Entry<String, Long>> it = lastSeen.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Long> e = it.next();
      if (now - e.getValue() < after || Boolean.TRUE.equals(stalled.get(e.getKey()))) {
        continue;
      }
      RunState s = load(e.getKey());
      if (s == null) {
        it.remove();
        continue;
      }
      double silent = (now - s.lastEventWallMs) / 1000.0;
      fire(
          s,
          AlertKind.RUN_STALLED,
          now,
          String.format("run %s: no event for %.0f s", s.summary().run(), silent),
          Alert.values(
              "secondsSinceLastEvent",
              silent,
              "stallAfterSeconds",
              after / 1000.0,
              "tokens",
              s.summary().latestTokens()));
      stalled.put(e.getKey(), true);
      save(s);
      report(s);
    }
  }

  private void fire(
      RunState s, AlertKind kind, long now, String message, Map<String, Double> values) {
    s.firing.put(kind, now);
    emitAlert(s, kind, true, now, message, values);
  }

  private void resolve(
      RunState s, AlertKind kind, long now, String message, Map<String, Double> values) {
    s.firing.remove(kind);
    emitAlert(s, kind, false, now, message, values);
  }

  private void emitAlert(
      RunState s,
      AlertKind kind,
      boolean firing,
      long now,
      String message,
      Map<String, Double> values) {
    Alert a =
        new Alert(
            kind,
            firing,
            s.summary().experiment(),
            s.summary().run(),
            Instant.ofEpochMilli(now),
            message,
            values);
    metrics.alert(kind.code(), a.state());
    ctx.forward(new Record<>(s.summary().run(), new Emitted(Emitted.Kind.ALERT, a.toBytes()), now));
  }

  private RunState load(String run) {
    RunState s = cache.get(run);
    if (s == null) {
      s = store.get(run);
      if (s != null) {
        cache.put(run, s);
      }
    }
    return s;
  }

  private void save(RunState s) {
    String key = key(s);
    cache.put(key, s);
    store.put(key, s);
  }

  private static String key(RunState s) {
    if (s.storeKey == null) {
      s.storeKey = StoreNames.runKey(s.summary().run(), s.summary().experiment());
    }
    return s.storeKey;
  }

  private void report(RunState s) {
    RunSummary sum = s.summary();
    if (!s.gaugesResolved) {
      // Looked up once per state in memory (per event this was the largest part of the per-run
      // step's own work).
      s.gauges = metrics.run(sum.experiment(), sum.run());
      s.gaugesResolved = true;
      owned.add(key(s));
    }
    StreamsMetrics.RunGauges g = (StreamsMetrics.RunGauges) s.gauges;
    if (g == null) {
      return;
    }
    g.observed(
        s.latestRatio,
        sum.latestTokens(),
        sum.latestGeneralLossIncrease(),
        -sum.latestDomainLossChange(),
        s.lastEventWallMs);
    RunFit f = s.fit;
    if (f != null) {
      g.fitted(
          f.epsilon(),
          f.budgetTokens() > 0 ? f.budgetTokens() : Double.NaN,
          f.t0Tokens(),
          f.feasible() == null ? Double.NaN : (f.feasible() ? 1 : 0),
          f.predictedGeneralLossIncrease(),
          f.predictedDomainLossDecrease());
    }
    int firing = 0;
    for (AlertKind k : s.firing.keySet()) {
      firing |= 1 << k.ordinal();
    }
    if (firing != s.reportedAlerts) {
      for (AlertKind k : RUN_ALERTS) {
        g.alert(k.code(), s.firing.containsKey(k));
      }
      s.reportedAlerts = firing;
    }
  }

  @Override
  public void close() {
    // The task moved away or the app stops: this instance no longer exports these runs.
    owned.forEach(
        k -> {
          int sep = k.indexOf(StoreNames.SEPARATOR);
          metrics.forgetRun(k.substring(sep + 1), k.substring(0, sep));
        });
    owned.clear();
    cache.clear();
    turns.close();
  }
}
