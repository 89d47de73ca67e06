package io.cmrwatch.streams.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.cmrwatch.core.cmr.ExperimentAnalyzer;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.summary.CurvePoints;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.streams.alert.AlertKind;
import io.cmrwatch.streams.config.AppConfig;
import io.cmrwatch.streams.config.ExperimentSettings;
import io.cmrwatch.streams.json.Json;
import io.cmrwatch.streams.state.ExperimentState;
import io.cmrwatch.streams.state.HistoryPoint;
import io.cmrwatch.streams.state.RunState;
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
 * The HTTP queries answered from Kafka Streams' state stores (interactive queries). Everything of
 * an experiment — its runs too — lives on the instance that owns the experiment's partition: {@code
 * KafkaStreams.queryMetadataForKey} names it, and a request that arrives elsewhere is forwarded
 * there once (marked with {@link HttpApi#FORWARDED_HEADER}). {@code GET /experiments}, and {@code
 * GET /runs/{id}} without its experiment, ask every instance.
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
   * @param cfg configuration (for the default settings shown for a run not analysed yet)
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
    return new Reply(ready ? 200 : 503, Json.bytes(n));
  }

  @Override
  public Reply experiments(boolean localOnly) {
    KafkaStreams ks = streams.get();
    if (ks == null) {
      return notReady();
    }
    Map<String, JsonNode> all = new TreeMap<>();
    try {
      try (KeyValueIterator<String, ExperimentState> it =
          this.<ExperimentState>store(ks, StoreNames.EXPERIMENTS).all()) {
        while (it.hasNext()) {
          KeyValue<String, ExperimentState> kv = it.next();
          all.put(kv.key, listItem(kv.value));
        }
      }
    } catch (InvalidStateStoreException e) {
      return notReady();
    }
    if (!localOnly) {
      for (HostInfo other : others(ks)) {
        Reply r = forward(other, "/experiments");
        if (r.status() != 200) {
          return r;
        }
        try {
          for (JsonNode item : Json.MAPPER.readTree(r.body())) {
            all.putIfAbsent(item.get("experiment").asText(), item);
          }
        } catch (IOException e) {
          return Reply.error(502, "instance " + other + " answered with invalid JSON");
        }
      }
    }
    ArrayNode a = Json.MAPPER.createArrayNode();
    all.values().forEach(a::add);
    return Reply.ok(Json.bytes(a));
  }

  private static ObjectNode listItem(ExperimentState s) {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("experiment", s.experiment());
    n.put("status", s.status().isEmpty() ? "pending" : s.status());
    num(n, "cmr", s.cmr());
    num(n, "cmrLow", s.cmrLow());
    num(n, "cmrHigh", s.cmrHigh());
    n.put("runs", s.runs().size());
    Instant at = s.publishedAt();
    if (at == null) {
      n.putNull("updated");
    } else {
      n.put("updated", at.toString());
    }
    return n;
  }

  @Override
  public Reply experiment(String id, boolean localOnly) {
    return byKey(
        id,
        "/experiments/" + encode(id),
        localOnly,
        ks -> {
          ExperimentState s = this.<ExperimentState>store(ks, StoreNames.EXPERIMENTS).get(id);
          if (s == null) {
            return Reply.error(404, "no experiment " + id);
          }
          ObjectNode n = Json.MAPPER.createObjectNode();
          byte[] json = s.publishedJson();
          if (json == null) {
            n.putNull("estimate");
            n.putNull("time");
          } else {
            n.putRawValue("estimate", new RawValue(new String(json, StandardCharsets.UTF_8)));
            n.put("time", s.publishedAt().toString());
          }
          ArrayNode history = n.putArray("history");
          try (KeyValueIterator<String, HistoryPoint> it =
              this.<HistoryPoint>store(ks, StoreNames.HISTORY)
                  .prefixScan(StoreNames.prefix(id), KEYS)) {
            it.forEachRemaining(kv -> history.add(Json.MAPPER.valueToTree(kv.value)));
          }
          ArrayNode runs = n.putArray("runs");
          s.runs().forEach(runs::add);
          return Reply.ok(Json.bytes(n));
        });
  }

  @Override
  public Reply run(String id, String experiment, boolean localOnly) {
    if (experiment != null) {
      return byKey(
          experiment,
          "/runs/" + encode(id) + "?experiment=" + encode(experiment),
          localOnly,
          ks -> {
            RunState s =
                this.<RunState>store(ks, StoreNames.RUNS).get(StoreNames.runKey(experiment, id));
            return s == null
                ? Reply.error(404, "no run " + id + " in experiment " + experiment)
                : Reply.ok(Json.bytes(runJson(ks, s)));
          });
    }
    // Without its experiment the run may be anywhere: each instance answers from its own
    // partitions, and the most recently active run of that id wins.
    KafkaStreams ks = streams.get();
    if (ks == null) {
      return notReady();
    }
    List<Reply> found = new ArrayList<>();
    try {
      ReadOnlyKeyValueStore<String, RunState> states = store(ks, StoreNames.RUNS);
      RunState best = null;
      try (KeyValueIterator<String, byte[]> it =
          this.<byte[]>store(ks, StoreNames.RUN_INDEX).prefixScan(StoreNames.prefix(id), KEYS)) {
        while (it.hasNext()) {
          String key = it.next().key;
          String exp = key.substring(key.indexOf(StoreNames.SEPARATOR) + 1);
          RunState s = states.get(StoreNames.runKey(exp, id));
          if (s != null && (best == null || s.lastEventWallMs > best.lastEventWallMs)) {
            best = s;
          }
        }
      }
      if (best != null) {
        found.add(Reply.ok(Json.bytes(runJson(ks, best))));
      }
    } catch (InvalidStateStoreException e) {
      return notReady();
    }
    if (!localOnly) {
      for (HostInfo other : others(ks)) {
        Reply r = forward(other, "/runs/" + encode(id));
        if (r.status() == 200) {
          found.add(r);
        } else if (r.status() != 404) {
          return r;
        }
      }
    }
    Reply best = null;
    for (Reply r : found) {
      if (best == null || lastSeen(r) > lastSeen(best)) {
        best = r;
      }
    }
    return best != null ? best : Reply.error(404, "no run " + id);
  }

  private static long lastSeen(Reply r) {
    try {
      return Instant.parse(Json.MAPPER.readTree(r.body()).get("lastSeen").asText()).toEpochMilli();
    } catch (IOException | RuntimeException e) {
      return Long.MIN_VALUE;
    }
  }

  /** The JSON of {@code GET /runs/{id}}. */
  private ObjectNode runJson(KafkaStreams ks, RunState s) {
    RunSummary sum = s.summary();
    ExperimentState exp =
        this.<ExperimentState>store(ks, StoreNames.EXPERIMENTS).get(sum.experiment());
    ExperimentSettings st = settings(exp == null ? null : exp.published(), sum);
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
    n.put("lastSeen", Instant.ofEpochMilli(s.lastEventWallMs).toString());
    ArrayNode points = n.putArray("points");
    CurvePoints p = sum.points();
    for (int i = 0; i < p.size(); i++) {
      ObjectNode o = points.addObject();
      o.put("tokens", p.tokens()[i]);
      o.put("generalLossIncrease", p.generalIncrease()[i]);
      o.put("domainLossChange", p.domainChange()[i]);
      o.put("count", (long) p.weights()[i]);
    }
    n.set("fit", s.publishedFit() == null ? null : Json.MAPPER.valueToTree(s.publishedFit()));
    ArrayNode alerts = n.putArray("alerts");
    for (Map.Entry<AlertKind, Long> e : s.firing.entrySet()) {
      ObjectNode o = alerts.addObject();
      o.put("kind", e.getKey().code());
      o.put("state", "firing");
      o.put("since", Instant.ofEpochMilli(e.getValue()).toString());
    }
    return n;
  }

  /**
   * The settings an experiment is analysed with: those of its published estimate (which the
   * topology resolved from {@code cpt.experiments}, the events and the defaults), or before the
   * first estimate the defaults under what {@code run} carries.
   */
  private ExperimentSettings settings(ExperimentEstimate published, RunSummary run) {
    if (published != null) {
      return new ExperimentSettings(
          published.budgetTokens() == null ? 0 : published.budgetTokens(),
          published.epsilon(),
          published.lambda(),
          published.tokenUnit());
    }
    return run == null
        ? defaults
        : defaults.override(run.budgetTokens(), run.epsilon(), run.lambda(), run.tokenUnit());
  }

  @Override
  public Reply plan(String id, PlanQuestion q, boolean localOnly) {
    return byKey(
        id,
        "/experiments/" + encode(id) + "/plan?" + q.query(),
        localOnly,
        ks -> {
          ExperimentState s = this.<ExperimentState>store(ks, StoreNames.EXPERIMENTS).get(id);
          if (s == null) {
            return Reply.error(404, "no experiment " + id);
          }
          ReadOnlyKeyValueStore<String, RunState> states = store(ks, StoreNames.RUNS);
          List<RunSummary> runs = new ArrayList<>();
          for (String run : s.runs()) {
            RunState r = states.get(StoreNames.runKey(id, run));
            if (r != null) {
              runs.add(r.summary());
            }
          }
          ExperimentEstimate published = s.published();
          ExperimentSettings st = settings(published, runs.isEmpty() ? null : runs.get(0));
          // An analyzer of its own: a plan is a cold analysis on the caller's thread, never on
          // the stream threads' analyzers.
          ExperimentAnalyzer analyzer = new ExperimentAnalyzer(st.cmrSettings());
          ObjectNode n = Json.MAPPER.createObjectNode();
          n.put("experiment", id);
          try {
            if (q.budgetTokens() != null) {
              n.set(
                  "cmrAtBudget",
                  Json.MAPPER.valueToTree(
                      analyzer.cmrAtBudget(id, runs, published, q.budgetTokens())));
            } else {
              n.set(
                  "budgetForRatio",
                  Json.MAPPER.valueToTree(analyzer.budgetForRatio(id, runs, published, q.ratio())));
            }
          } catch (RuntimeException e) {
            LOG.warn("planning {} for experiment {} failed", q.query(), id, e);
            return Reply.error(500, "planning failed: " + e);
          }
          if (st.hasBudget()) {
            n.put("budgetTokens", st.budgetTokens());
          } else {
            n.putNull("budgetTokens");
          }
          num(n, "cmr", s.cmr());
          num(n, "cmrLow", s.cmrLow());
          num(n, "cmrHigh", s.cmrHigh());
          n.put("runs", runs.size());
          return Reply.ok(Json.bytes(n));
        });
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private interface LocalQuery {
    Reply answer(KafkaStreams ks);
  }

  /**
   * Answers from the instance that owns {@code experiment}'s partition: here, or forwarded there as
   * {@code path}.
   */
  private Reply byKey(String experiment, String path, boolean localOnly, LocalQuery local) {
    KafkaStreams ks = streams.get();
    if (ks == null) {
      return notReady();
    }
    try {
      if (!localOnly) {
        KeyQueryMetadata meta = ks.queryMetadataForKey(StoreNames.EXPERIMENTS, experiment, KEYS);
        if (meta == null || meta.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
          return notReady();
        }
        if (!meta.activeHost().equals(self.get())) {
          return forward(meta.activeHost(), path);
        }
      }
      return local.answer(ks);
    } catch (InvalidStateStoreException e) {
      return notReady();
    }
  }

  /** The other instances of the application that hold experiments. */
  private List<HostInfo> others(KafkaStreams ks) {
    List<HostInfo> hosts = new ArrayList<>();
    for (StreamsMetadata m : ks.metadataForAllStreamsClients()) {
      if (!m.hostInfo().equals(self.get())
          && m.stateStoreNames().contains(StoreNames.EXPERIMENTS)) {
        hosts.add(m.hostInfo());
      }
    }
    return hosts;
  }

  private <V> ReadOnlyKeyValueStore<String, V> store(KafkaStreams ks, String name) {
    return ks.store(
        StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore()));
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
}
