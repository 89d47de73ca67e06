package io.cmrwatch.streams.topology;

import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.kafka.advice.RatioAdvice;
import io.cmrwatch.kafka.topic.Topic;
import io.cmrwatch.streams.alert.Alert;
import io.cmrwatch.streams.config.AppConfig;
import io.cmrwatch.streams.dlq.RejectedRecordException;
import io.cmrwatch.streams.metrics.StreamsMetrics;
import io.cmrwatch.streams.publish.RunFitRecord;
import io.cmrwatch.streams.schedule.BacklogShare;
import io.cmrwatch.streams.state.ExperimentState;
import io.cmrwatch.streams.state.HistoryPoint;
import io.cmrwatch.streams.state.RunStateStore;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The streams app's topology, as one function of the configuration (the app and the tests both call
 * {@link #build}):
 *
 * <pre>
 *  cpt.loss-events ─(decode; bad → DLQ)─┬─ keyed by experiment ───────────────────────┐
 *                                       └─ keyed otherwise ─► re-key ─► [repartition] ─┤
 *                                                                                      ▼
 *                      experiments [runs, experiments, estimate-history, run-index] ─► cpt.run-fits,
 *                                                                cpt.cmr-estimates, cpt.alerts, cpt.ratio-advice
 *  cpt.experiments ─► global store experiment-settings
 * </pre>
 *
 * One stage: every event of an experiment reaches the one processor that holds its runs and its
 * estimate, which absorbs it and analyses the experiment as its schedule allows. Producers key loss
 * events by their experiment id; a record keyed otherwise (an older producer keyed by run id) takes
 * one extra hop through a repartition topic. Bad records never reach the processor: the
 * deserialization and processing exception handlers (configured by {@code
 * StreamsApp.streamsProperties}) send them to {@code cpt.loss-events.dlq}.
 */
public final class CmrTopology {

  private CmrTopology() {}

  /** The topology with a fresh metrics registry. */
  public static Topology build(AppConfig cfg) {
    return build(cfg, new StreamsMetrics(cfg.metricsMaxRuns()));
  }

  /** The topology, reporting into {@code metrics}, timing analyses with the system clock. */
  public static Topology build(AppConfig cfg, StreamsMetrics metrics) {
    return build(cfg, metrics, System::nanoTime);
  }

  /**
   * The topology, reporting into {@code metrics}; {@code nanoClock} times analyses (their share of
   * the thread while the input is behind).
   */
  public static Topology build(AppConfig cfg, StreamsMetrics metrics, LongSupplier nanoClock) {
    AppTopics topics = AppTopics.of(cfg.topics());
    Analyzers analyzers = new Analyzers();
    DecodedCache.Budget decoded = new DecodedCache.Budget(cfg.decodedCacheBytes());
    metrics.decodedCache(decoded::usedBytes, decoded.limitBytes(), decoded::evictions);
    BacklogShare share = new BacklogShare(cfg.estimateBacklogShare(), cfg.threads(), nanoClock);
    StreamsBuilder b = new StreamsBuilder();

    b.globalTable(
        topics.experiments().name(),
        Consumed.with(topics.experiments().keySerde(), topics.experiments().valueSerde())
            .withName("settings-source"),
        Materialized.<String, byte[]>as(
                Stores.inMemoryKeyValueStore(StoreNames.EXPERIMENT_SETTINGS))
            .withKeySerde(Serdes.String())
            .withValueSerde(Serdes.ByteArray()));

    // A run's state changes with every event: serialised once per commit, in parts (see
    // RunStateStore). The others change when a run joins or an estimate is published.
    b.addStateStore(RunStateStore.persistent(StoreNames.RUNS));
    b.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.EXPERIMENTS),
                Serdes.String(),
                ExperimentState.SERDE)
            .withCachingEnabled());
    b.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.HISTORY),
                Serdes.String(),
                HistoryPoint.SERDE)
            .withCachingEnabled());
    b.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.RUN_INDEX),
                Serdes.String(),
                Serdes.ByteArray())
            .withCachingEnabled());

    Topic<String, LossEvent> in = topics.lossEvents();
    Map<String, KStream<String, LossEvent>> byKey =
        b.stream(in.name(), Consumed.with(in.keySerde(), in.valueSerde()).withName("loss-events"))
            .split(Named.as("keyed-"))
            .branch(CmrTopology::keyedByExperiment, Branched.as("by-experiment"))
            .defaultBranch(Branched.as("otherwise"));
    KStream<String, LossEvent> rekeyed =
        byKey
            .get("keyed-otherwise")
            .selectKey((key, e) -> e.experiment(), Named.as("key-by-experiment"))
            .repartition(
                Repartitioned.with(in.keySerde(), in.valueSerde())
                    .withName("loss-events-by-experiment"));
    KStream<String, Object> out =
        byKey
            .get("keyed-by-experiment")
            .merge(rekeyed, Named.as("events-by-experiment"))
            .process(
                () -> new ExperimentProcessor(cfg, metrics, analyzers, decoded, share, nanoClock),
                Named.as("experiments"),
                StoreNames.RUNS,
                StoreNames.EXPERIMENTS,
                StoreNames.HISTORY,
                StoreNames.RUN_INDEX);

    out.split(Named.as("out-"))
        .branch(
            (k, v) -> v instanceof RunFitRecord,
            to(topics.runFits(), RunFitRecord.class, "run-fits"))
        .branch(
            (k, v) -> v instanceof ExperimentEstimate,
            to(topics.cmrEstimates(), ExperimentEstimate.class, "estimates"))
        .branch((k, v) -> v instanceof Alert, to(topics.alerts(), Alert.class, "alerts"))
        .defaultBranch(to(topics.ratioAdvice(), RatioAdvice.class, "advice"));
    return b.build();
  }

  /**
   * Whether a loss event arrived keyed by its experiment id (the contract); a record without a
   * value is rejected here, before any re-keying, so that its dead letter is the record as sent.
   */
  static boolean keyedByExperiment(String key, LossEvent e) {
    if (e == null) {
      throw new RejectedRecordException(
          "missing_field", "record has no value (a tombstone): expected a loss event");
    }
    return e.experiment().equals(key);
  }

  /** A branch of the processor's output that goes to {@code topic}, its values of {@code type}. */
  private static <V> Branched<String, Object> to(
      Topic<String, V> topic, Class<V> type, String name) {
    return Branched.withConsumer(
        s ->
            s.mapValues(type::cast, Named.as("as-" + name))
                .to(
                    topic.name(),
                    Produced.with(topic.keySerde(), topic.valueSerde()).withName("to-" + name)),
        name);
  }
}
