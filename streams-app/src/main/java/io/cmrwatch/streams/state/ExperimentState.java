package io.cmrwatch.streams.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.streams.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The per-experiment state of the topology (store {@code experiment-state}, key: experiment id): the latest computed
 * and the latest published estimate, a bounded history of published estimates, the recompute throttle's bookkeeping,
 * which runs have a firing {@code ratio_above_cmr} alert and the last advice sent to each run. Stored as JSON.
 */
public final class ExperimentState {

  /** Serde of the state store values. */
  public static final Serde<ExperimentState> SERDE = Serdes.serdeFrom(
      (Serializer<ExperimentState>) (topic, s) -> s == null ? null : s.encode(),
      (Deserializer<ExperimentState>) (topic, b) -> b == null ? null : decode(b));

  /** Experiment id. */
  public final String experiment;
  /** Latest computed estimate (warm start, gauges), or null. */
  public CmrEstimate latest;
  /** Core's object behind {@link #latest} while the state stays in memory (not stored). */
  public ExperimentEstimate latestCore;
  /** Latest published estimate, or null. */
  public CmrEstimate published;
  /** Published estimates, oldest first, bounded by the configured history size. */
  public final Deque<HistoryPoint> history = new ArrayDeque<>();
  /** Wall-clock ms of the last recompute. */
  public long lastComputeWallMs;
  /** Whether run updates arrived since the last recompute. */
  public boolean dirty;
  /** Record timestamp of the oldest event not yet reflected in a recompute; {@code Long.MAX_VALUE} when none. */
  public long oldestPendingTimestamp = Long.MAX_VALUE;
  /** Runs with a firing ratio_above_cmr alert, with the wall-clock ms it started. */
  public final Map<String, Long> ratioAbove = new TreeMap<>();
  /** The advised ratio last sent to each run. */
  public final Map<String, Double> advised = new TreeMap<>();

  public ExperimentState(String experiment) {
    this.experiment = experiment;
  }

  /** One published estimate, for {@code GET /experiments/{id}}. */
  public record HistoryPoint(Instant time, double cmr, double cmrLow, double cmrHigh, String status, int points) {
    ObjectNode toJson() {
      ObjectNode n = Json.MAPPER.createObjectNode();
      n.put("time", time.toString());
      RunFit.num(n, "cmr", cmr);
      RunFit.num(n, "cmrLow", cmrLow);
      RunFit.num(n, "cmrHigh", cmrHigh);
      n.put("status", status);
      n.put("points", points);
      return n;
    }

    static HistoryPoint fromJson(JsonNode n) {
      return new HistoryPoint(Instant.parse(n.get("time").asText()), RunFit.dbl(n, "cmr"), RunFit.dbl(n, "cmrLow"),
          RunFit.dbl(n, "cmrHigh"), n.get("status").asText(), n.get("points").asInt());
    }
  }

  /** Appends a published estimate, dropping the oldest beyond {@code max}. */
  public void remember(CmrEstimate e, int max) {
    history.addLast(new HistoryPoint(e.time(), e.cmr(), e.cmrLow(), e.cmrHigh(), e.status(), e.pointsUsed()));
    while (history.size() > max) {
      history.removeFirst();
    }
  }

  /** The history as a JSON array, oldest first. */
  public ArrayNode historyJson() {
    ArrayNode a = Json.MAPPER.createArrayNode();
    history.forEach(h -> a.add(h.toJson()));
    return a;
  }

  /** JSON form. */
  public byte[] encode() {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("experiment", experiment);
    n.set("latest", latest == null ? null : latest.toJson());
    n.set("published", published == null ? null : published.toJson());
    n.set("history", historyJson());
    n.put("lastComputeWallMs", lastComputeWallMs);
    n.put("dirty", dirty);
    n.put("oldestPendingTimestamp", oldestPendingTimestamp);
    ObjectNode above = n.putObject("ratioAbove");
    ratioAbove.forEach(above::put);
    ObjectNode adv = n.putObject("advised");
    advised.forEach(adv::put);
    try {
      return Json.MAPPER.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads {@link #encode()}'s bytes. */
  public static ExperimentState decode(byte[] b) {
    JsonNode n;
    try {
      n = Json.MAPPER.readTree(b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ExperimentState s = new ExperimentState(n.get("experiment").asText());
    JsonNode latest = n.get("latest");
    s.latest = latest == null || latest.isNull() ? null : CmrEstimate.fromJson(latest);
    JsonNode published = n.get("published");
    s.published = published == null || published.isNull() ? null : CmrEstimate.fromJson(published);
    n.get("history").forEach(h -> s.history.addLast(HistoryPoint.fromJson(h)));
    s.lastComputeWallMs = n.get("lastComputeWallMs").asLong();
    s.dirty = n.get("dirty").asBoolean();
    s.oldestPendingTimestamp = n.get("oldestPendingTimestamp").asLong();
    for (Iterator<Map.Entry<String, JsonNode>> it = n.get("ratioAbove").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      s.ratioAbove.put(e.getKey(), e.getValue().asLong());
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = n.get("advised").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      s.advised.put(e.getKey(), e.getValue().asDouble());
    }
    return s;
  }
}
