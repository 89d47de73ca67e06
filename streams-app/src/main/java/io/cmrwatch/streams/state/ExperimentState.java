package io.cmrwatch.streams.state;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.streams.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
  /** Latest published estimate, or null; set through {@link #publish}. */
  public CmrEstimate published;
  // The published estimate's JSON and the history's, kept while unchanged: a state is written at every commit that
  // follows a recompute, and these two are most of it. Kept as text, the form the generator embeds raw JSON from.
  private String publishedText;
  private String historyText;
  /** Published estimates, oldest first, bounded by the configured history size. */
  private final Deque<HistoryPoint> history = new ArrayDeque<>();
  /** Wall-clock ms of the last recompute. */
  public long lastComputeWallMs;
  /** Wall-clock ms of the last recompute that refitted the CMR law (in memory only: 0 after a restart). */
  public long lastLawWallMs;
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

  /**
   * Records {@code e} as the published estimate ({@code json}: its {@link CmrEstimate#toBytes()}) and appends it to
   * the history, dropping the oldest beyond {@code max}.
   */
  public void publish(CmrEstimate e, byte[] json, int max) {
    published = e;
    publishedText = new String(json, StandardCharsets.UTF_8);
    history.addLast(new HistoryPoint(e.time(), e.cmr(), e.cmrLow(), e.cmrHigh(), e.status(), e.pointsUsed()));
    while (history.size() > max) {
      history.removeFirst();
    }
    historyText = null;
  }

  /** The published estimates, oldest first (read-only). */
  public java.util.Collection<HistoryPoint> history() {
    return java.util.Collections.unmodifiableCollection(history);
  }

  /** The history as a JSON array, oldest first. */
  public ArrayNode historyJson() {
    ArrayNode a = Json.MAPPER.createArrayNode();
    history.forEach(h -> a.add(h.toJson()));
    return a;
  }

  /**
   * JSON form. The latest estimate is stored without core's analysis unless it is the published one (written once,
   * as {@code "latest": "published"}): after a restart the first recompute starts from the runs' own fits instead.
   */
  public byte[] encode() {
    try {
      if (published != null && publishedText == null) {
        publishedText = new String(published.toBytes(), StandardCharsets.UTF_8);
      }
      if (historyText == null) {
        historyText = new String(Json.bytes(historyJson()), StandardCharsets.UTF_8);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(512 + (publishedText == null ? 0 : publishedText.length())
          + historyText.length());
      try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
        g.writeStartObject();
        g.writeStringField("experiment", experiment);
        if (latest == null) {
          g.writeNullField("latest");
        } else if (latest == published) {
          g.writeStringField("latest", "published");
        } else {
          g.writeFieldName("latest");
          g.writeTree(new CmrEstimate(latest.experiment(), latest.status(), latest.cmr(), latest.cmrLow(),
              latest.cmrHigh(), latest.cmrLaw(), latest.runs(), latest.runsUsed(), latest.pointsUsed(),
              latest.budgetTokens(), latest.epsilon(), latest.lambda(), latest.tokenUnit(), latest.time(), null)
              .toJson());
        }
        g.writeFieldName("published");
        if (publishedText == null) {
          g.writeNull();
        } else {
          g.writeRawValue(publishedText);
        }
        g.writeFieldName("history");
        g.writeRawValue(historyText);
        g.writeNumberField("lastComputeWallMs", lastComputeWallMs);
        g.writeBooleanField("dirty", dirty);
        g.writeNumberField("oldestPendingTimestamp", oldestPendingTimestamp);
        g.writeObjectFieldStart("ratioAbove");
        for (Map.Entry<String, Long> e : ratioAbove.entrySet()) {
          g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeObjectFieldStart("advised");
        for (Map.Entry<String, Double> e : advised.entrySet()) {
          g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeEndObject();
      }
      return out.toByteArray();
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
    JsonNode published = n.get("published");
    s.published = published == null || published.isNull() ? null : CmrEstimate.fromJson(published);
    JsonNode latest = n.get("latest");
    s.latest = latest == null || latest.isNull() ? null
        : latest.isTextual() && "published".equals(latest.asText()) ? s.published : CmrEstimate.fromJson(latest);
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
