package io.cmrwatch.streams.topology;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.kafka.serde.LossEventSerde;
import io.cmrwatch.kafka.topic.TopicNames;
import io.cmrwatch.streams.config.AppConfig;
import io.cmrwatch.streams.metrics.StreamsMetrics;
import io.cmrwatch.streams.state.ExperimentState;
import io.cmrwatch.streams.state.RunStateStore;
import io.cmrwatch.streams.state.RunUpdate;
import io.cmrwatch.streams.state.WriteBehindStore;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
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
 *  cpt.loss-events ──(decode; bad → DLQ)──► runs [run-state] ──► cpt.run-fits, cpt.alerts
 *                                             │ run update, re-keyed by experiment
 *                                             ▼ (repartition topic experiment-updates)
 *                experiments [experiment-state, experiment-runs, experiment-history] ──► cpt.cmr-estimates,
 *                                                                                      cpt.alerts, cpt.ratio-advice
 *  cpt.experiments ──► global store experiment-settings (read by both steps)
 * </pre>
 *
 * Bad records never reach the processors: the deserialization and processing exception handlers
 * (configured by {@code StreamsApp.streamsProperties}) send them to {@code cpt.loss-events.dlq}.
 */
public final class CmrTopology {

  // Output records carry their encoded value; the sink writes it as is. Nothing reads Emitted back.
  private static final Serde<Emitted> OUTPUT =
      Serdes.serdeFrom(
          (Serializer<Emitted>) (topic, e) -> e == null ? null : e.value(),
          (Deserializer<Emitted>)
              (topic, bytes) -> {
                throw new UnsupportedOperationException("output records are written, not read");
              });

  private CmrTopology() {}

  /** The topology with a fresh metrics registry. */
  public static Topology build(AppConfig cfg) {
    return build(cfg, new StreamsMetrics(cfg.metricsMaxRuns()));
  }

  /** The topology, reporting into {@code metrics}. */
  public static Topology build(AppConfig cfg, StreamsMetrics metrics) {
    TopicNames names = cfg.topicNames();
    CoreAnalyst analyst = new CoreAnalyst();
    DecodedCache.Budget decoded = new DecodedCache.Budget(cfg.decodedCacheBytes());
    metrics.decodedCache(decoded::usedBytes, decoded.limitBytes(), decoded::evictions);
    StreamsBuilder b = new StreamsBuilder();

    b.globalTable(
        names.experiments(),
        Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("settings-source"),
        Materialized.<String, byte[]>as(
                Stores.inMemoryKeyValueStore(StoreNames.EXPERIMENT_SETTINGS))
            .withKeySerde(Serdes.String())
            .withValueSerde(Serdes.ByteArray()));

    // Run and experiment states change with every event or recompute: serialised once per commit,
    // not per write;
    // a run's state is stored in parts, so that a commit rewrites what changed (its head and the
    // bins hit).
    b.addStateStore(RunStateStore.persistent(StoreNames.RUN_STATE));
    b.addStateStore(
        WriteBehindStore.persistent(
            StoreNames.EXPERIMENT_STATE, Serdes.String(), ExperimentState.SERDE));
    b.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.EXPERIMENT_RUNS),
                Serdes.String(),
                RunUpdate.SERDE)
            .withCachingEnabled());
    // A published estimate's history point is written once, as its own record, not with every state
    // write.
    b.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.EXPERIMENT_HISTORY),
                Serdes.String(),
                ExperimentState.HistoryPoint.SERDE)
            .withCachingEnabled());

    KStream<String, LossEvent> events =
        b.stream(
            names.lossEvents(),
            Consumed.with(Serdes.String(), new LossEventSerde()).withName("loss-events"));
    KStream<String, Emitted> runOut =
        events.process(
            () -> new RunProcessor(cfg, metrics, analyst, decoded),
            Named.as("runs"),
            StoreNames.RUN_STATE);

    KStream<String, Emitted> experimentOut =
        runOut
            .filter((k, v) -> v.kind() == Emitted.Kind.RUN_UPDATE, Named.as("run-updates"))
            .mapValues(Emitted::value, Named.as("run-update-bytes"))
            .repartition(
                Repartitioned.<String, byte[]>as("experiment-updates")
                    .withKeySerde(Serdes.String())
                    .withValueSerde(Serdes.ByteArray()))
            .process(
                () -> new ExperimentProcessor(cfg, metrics, analyst, decoded),
                Named.as("experiments"),
                StoreNames.EXPERIMENT_STATE,
                StoreNames.EXPERIMENT_RUNS,
                StoreNames.EXPERIMENT_HISTORY);

    runOut
        .filter((k, v) -> v.kind() != Emitted.Kind.RUN_UPDATE, Named.as("run-outputs"))
        .merge(experimentOut, Named.as("outputs"))
        .to(
            (key, value, context) -> value.kind().topic(names),
            Produced.with(Serdes.String(), OUTPUT).withName("outputs-sink"));
    return b.build();
  }
}
