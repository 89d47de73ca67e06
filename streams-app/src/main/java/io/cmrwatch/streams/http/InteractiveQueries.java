package io.cmrwatch.streams.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cmrwatch.core.summary.CurvePoints;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.streams.alert.AlertKind;
import io.cmrwatch.streams.config.AppConfig;
import io.cmrwatch.streams.config.ExperimentSettings;
import io.cmrwatch.streams.json.Json;
import io.cmrwatch.streams.state.CmrEstimate;
import io.cmrwatch.streams.state.ExperimentState;
import io.cmrwatch.streams.state.RunFit;
import io.cmrwatch.streams.state.RunState;
import io.cmrwatch.streams.state.RunUpdate;
import io.cmrwatch.streams.topology.StoreNames;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP queries answered from Kafka Streams' state stores (interactive queries). A key lives on
 * one instance: {@code KafkaStreams.queryMetadataForKey} names it, and a request that arrives
 * elsewhere is forwarded there once (marked with {@link HttpApi#FORWARDED_HEADER}). {@code GET
 * /experiments} gathers every instance's experiments.
 */
public final class InteractiveQueries implements StateQueries {

  private static final Logger LOG = LoggerFactory.getLogger(InteractiveQueries.class);
  private static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(10);
  private static final StringSerializer KEYS = new StringSerializer();

  private final Supplier<KafkaStreams> streams;
  private final Supplier<HostInfo> self;
  private final ExperimentSettings defaults;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  /**
   * @param streams the running streams client (supplied late: the HTTP server starts first to learn
   *     its port)
   * @param self this instance's {@code application.server}
   * @param cfg configuration (for the default settings shown for a run without a fit)
   */
  public InteractiveQueries(
      Supplier<KafkaStreams> streams, Supplier<HostInfo> self, AppConfig cfg) {
    this.streams = streams;
    this.self = self;
    this.defaults = ExperimentSettings.defaults(cfg);
  }

  @Override
  public Reply health() {
    KafkaStreams ks = streams.get();
    KafkaStreams.State state = ks == null ? KafkaStreams.State.CREATED : ks.state();
    boolean ready = state == KafkaStreams.State.RUNNING;
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("status", ready ? "UP" : "DOWN");
    n.put("state", state.name());
    n.put("ready", ready);
    return new Reply(ready ? 200 : 503, bytes(n));
  }

  @Override
  public Reply experiments(boolean localOnly) {
    KafkaStreams ks = streams.get();
    if (ks == null) {
      return notReady();
    }
    Map<String, JsonNode> all = new TreeMap<>();
    try {
      ReadOnlyKeyValueStore<String, ExperimentState> store = store(ks, StoreNames.EXPERIMENT_STATE);
      ReadOnlyKeyValueStore<String, RunUpdate> runs = store(ks, StoreNames.EXPERIMENT_RUNS);
      try (KeyValueIterator<String, ExperimentState> it = store.all()) {
        while (it.hasNext()) {
          KeyValue<String, ExperimentState> kv = it.next();
          all.put(kv.key, listItem(kv.value, runIds(runs, kv.key).size()));
        }
      }
    } catch (InvalidStateStoreException e) {
      return notReady();
    }
    if (!localOnly) {
      for (StreamsMetadata m : ks.metadataForAllStreamsClients()) {
        if (m.hostInfo().equals(self.get())
            || !m.stateStoreNames().contains(StoreNames.EXPERIMENT_STATE)) {
          continue;
        }
        Reply r = forward(m.hostInfo(), "/experiments");
        if (r.status() != 200) {
          return r;
        }
        try {
          for (JsonNode item : Json.MAPPER.readTree(r.body())) {
            all.putIfAbsent(item.get("experiment").asText(), item);
          }
        } catch (IOException e) {
          return Reply.error(502, "instance " + m.hostInfo() + " answered with invalid JSON");
        }
      }
    }
    ArrayNode a = Json.MAPPER.createArrayNode();
    all.values().forEach(a::add);
    return Reply.ok(bytes(a));
  }

  private static ObjectNode listItem(ExperimentState s, int runs) {
    CmrEstimate e = s.published != null ? s.published : s.latest;
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("experiment", s.experiment);
    n.put("status", e == null ? "pending" : e.status());
    num(n, "cmr", e == null ? Double.NaN : e.cmr());
    num(n, "cmrLow", e == null ? Double.NaN : e.cmrLow());
    num(n, "cmrHigh", e == null ? Double.NaN : e.cmrHigh());
    n.put("runs", runs);
    if (e == null) {
      n.putNull("updated");
    } else {
      n.put("updated", e.time().toString());
    }
    return n;
  }

  @Override
  public Reply experiment(String id, boolean localOnly) {
    return byKey(
        StoreNames.EXPERIMENT_STATE,
        id,
        "/experiments/",
        "",
        localOnly,
        ks -> {
          ExperimentState s = this.<ExperimentState>store(ks, StoreNames.EXPERIMENT_STATE).get(id);
          if (s == null) {
            return Reply.error(404, "no experiment " + id);
          }
          ObjectNode n = Json.MAPPER.createObjectNode();
          CmrEstimate e = s.published != null ? s.published : s.latest;
          n.set("estimate", e == null ? null : e.toJson());
          ArrayNode history = n.putArray("history");
          s.legacyHistory.forEach(h -> history.add(h.toJson()));
          try (KeyValueIterator<String, ExperimentState.HistoryPoint> it =
              this.<ExperimentState.HistoryPoint>store(ks, StoreNames.EXPERIMENT_HISTORY)
                  .prefixScan(StoreNames.experimentPrefix(id), KEYS)) {
            it.forEachRemaining(kv -> history.add(kv.value.toJson()));
          }
          ArrayNode runs = n.putArray("runs");
          runIds(store(ks, StoreNames.EXPERIMENT_RUNS), id).forEach(runs::add);
          return Reply.ok(bytes(n));
        });
  }

  @Override
  public Reply run(String id, String experiment, boolean localOnly) {
    String suffix = experiment == null ? "" : "?experiment=" + encode(experiment);
    return byKey(
        StoreNames.RUN_STATE,
        id,
        "/runs/",
        suffix,
        localOnly,
        ks -> {
          ReadOnlyKeyValueStore<String, RunState> store = store(ks, StoreNames.RUN_STATE);
          RunState found = null;
          if (experiment != null) {
            found = store.get(StoreNames.runKey(id, experiment));
          } else {
            try (KeyValueIterator<String, RunState> it =
                store.prefixScan(StoreNames.runPrefix(id), KEYS)) {
              while (it.hasNext()) {
                RunState s = it.next().value;
                if (found == null || s.lastEventWallMs > found.lastEventWallMs) {
                  found = s;
                }
              }
            }
          }
          return found == null
              ? Reply.error(
                  404, "no run " + id + (experiment == null ? "" : " in experiment " + experiment))
              : Reply.ok(bytes(runJson(found, defaults)));
        });
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** The JSON of {@code GET /runs/{id}}. */
  public static ObjectNode runJson(RunState s, ExperimentSettings defaults) {
    RunSummary sum = s.summary();
    RunFit f = s.fit;
    ExperimentSettings st =
        f != null
            ? new ExperimentSettings(f.budgetTokens(), f.epsilon(), f.lambda(), f.tokenUnit())
            : defaults.override(sum.budgetTokens(), sum.epsilon(), sum.lambda(), sum.tokenUnit());
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("run", sum.run());
    n.put("experiment", sum.experiment());
    num(n, "ratio", sum.ratio());
    num(n, "latestRatio", s.latestRatio);
    if (st.hasBudget()) {
      n.put("budgetTokens", st.budgetTokens());
    } else {
      n.putNull("budgetTokens");
    }
    num(n, "epsilon", st.epsilon());
    num(n, "lambda", st.lambda());
    num(n, "tokenUnit", st.tokenUnit());
    num(n, "baseGeneralLoss", sum.baseGeneralLoss());
    num(n, "baseDomainLoss", sum.baseDomainLoss());
    n.put("ratioChanged", sum.ratioChanged());
    n.put("events", sum.events());
    n.put("latestTokens", sum.latestTokens());
    num(n, "latestGeneralLossIncrease", sum.latestGeneralLossIncrease());
    num(n, "latestDomainLossChange", sum.latestDomainLossChange());
    if (sum.lastEventTime() == null) {
      n.putNull("lastEventTime");
    } else {
      n.put("lastEventTime", sum.lastEventTime().toString());
    }
    ArrayNode points = n.putArray("points");
    CurvePoints p = sum.points();
    for (int i = 0; i < p.size(); i++) {
      ObjectNode o = points.addObject();
      o.put("tokens", p.tokens()[i]);
      o.put("generalLossIncrease", p.generalIncrease()[i]);
      o.put("domainLossChange", p.domainChange()[i]);
      o.put("count", (long) p.weights()[i]);
    }
    n.set("fit", f == null ? null : f.toJson());
    ArrayNode alerts = n.putArray("alerts");
    for (Map.Entry<AlertKind, Long> e : s.firing.entrySet()) {
      ObjectNode o = alerts.addObject();
      o.put("kind", e.getKey().code());
      o.put("state", "firing");
      o.put("since", Instant.ofEpochMilli(e.getValue()).toString());
    }
    return n;
  }

  private interface LocalQuery {
    Reply answer(KafkaStreams ks);
  }

  private Reply byKey(
      String storeName, String id, String path, String query, boolean localOnly, LocalQuery local) {
    KafkaStreams ks = streams.get();
    if (ks == null) {
      return notReady();
    }
    try {
      if (!localOnly) {
        KeyQueryMetadata meta = ks.queryMetadataForKey(storeName, id, KEYS);
        if (meta == null || meta.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
          return notReady();
        }
        if (!meta.activeHost().equals(self.get())) {
          return forward(meta.activeHost(), path + encode(id) + query);
        }
      }
      return local.answer(ks);
    } catch (InvalidStateStoreException e) {
      return notReady();
    }
  }

  private <V> ReadOnlyKeyValueStore<String, V> store(KafkaStreams ks, String name) {
    return ks.store(
        StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore()));
  }

  private static List<String> runIds(
      ReadOnlyKeyValueStore<String, RunUpdate> runs, String experiment) {
    List<String> ids = new ArrayList<>();
    try (KeyValueIterator<String, RunUpdate> it =
        runs.prefixScan(StoreNames.experimentPrefix(experiment), KEYS)) {
      while (it.hasNext()) {
        String key = it.next().key;
        ids.add(key.substring(key.indexOf(StoreNames.SEPARATOR) + 1));
      }
    }
    ids.sort(Comparator.naturalOrder());
    return ids;
  }

  private Reply forward(HostInfo host, String path) {
    URI uri = URI.create("http://" + host.host() + ":" + host.port() + path);
    HttpRequest req =
        HttpRequest.newBuilder(uri)
            .timeout(FORWARD_TIMEOUT)
            .header(HttpApi.FORWARDED_HEADER, "1")
            .GET()
            .build();
    try {
      HttpResponse<byte[]> res = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
      return new Reply(res.statusCode(), res.body());
    } catch (IOException e) {
      LOG.debug("forwarding to {} failed", uri, e);
      return Reply.error(
          503,
          "the instance holding this key ("
              + host
              + ") did not answer: "
              + e.getMessage()
              + "; retry shortly (the group is probably rebalancing)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Reply.error(503, "interrupted");
    }
  }

  private static Reply notReady() {
    return Reply.error(
        503, "state is not queryable yet (starting, restoring or rebalancing); retry shortly");
  }

  private static void num(ObjectNode n, String field, double v) {
    if (Double.isFinite(v)) {
      n.put(field, v);
    } else {
      n.putNull(field);
    }
  }

  private static byte[] bytes(JsonNode n) {
    try {
      return Json.MAPPER.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
