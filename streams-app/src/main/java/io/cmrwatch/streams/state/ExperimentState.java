package io.cmrwatch.streams.state;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.streams.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The per-experiment state of the topology (store {@code experiment-state}, key: experiment id):
 * the latest computed and the latest published estimate, the range of sequence numbers of its
 * published estimates' history (the points themselves are records of their own, in store {@code
 * experiment-history}: a state is rewritten at every commit after a recompute, a history point
 * once), the recompute throttle's bookkeeping, which runs have a firing {@code ratio_above_cmr}
 * alert and the last advice sent to each run. Stored as JSON.
 */
public final class ExperimentState {

  /** Serde of the state store values. */
  public static final Serde<ExperimentState> SERDE =
      Serdes.serdeFrom(
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

  // The published estimate's JSON, kept while unchanged: a state is written at every commit that
  // follows a
  // recompute, and this is most of it. Kept as text, the form the generator embeds raw JSON from.
  private String publishedText;

  /** Sequence number of the oldest history point kept in the history store. */
  public long historyFirst;

  /** Sequence number the next published estimate's history point gets. */
  public long historyNext;

  /**
   * History points of a state written by an earlier version, which kept them inside the state
   * (oldest first); the experiment step moves them to the history store the first time it loads the
   * state. Empty otherwise.
   */
  public final List<HistoryPoint> legacyHistory = new ArrayList<>();

  /** Wall-clock ms of the last recompute. */
  public long lastComputeWallMs;

  /** Wall-clock ms of the last recompute that refitted the CMR law. */
  public long lastLawWallMs;

  /** Whether run updates arrived since the last recompute. */
  public boolean dirty;

  /**
   * Record timestamp of the oldest event not yet reflected in a recompute; {@code Long.MAX_VALUE}
   * when none.
   */
  public long oldestPendingTimestamp = Long.MAX_VALUE;

  /** Runs with a firing ratio_above_cmr alert, with the wall-clock ms it started. */
  public final Map<String, Long> ratioAbove = new TreeMap<>();

  /** The advised ratio last sent to each run. */
  public final Map<String, Double> advised = new TreeMap<>();

  // For heapBytesEstimate: the size of the published estimate's JSON (of the whole state's, as read
  // from the store),
  // and the heap its text and analysis take.
  private int analysisBytes;
  private long analysisHeapBytes;

  /**
   * Heap bytes per byte of a published estimate's JSON computed here: its text (two bytes a
   * character once any is beyond Latin-1) and its analysis as core's objects (~1.6 bytes a byte,
   * measured).
   */
  public static final int COMPUTED_HEAP_PER_BYTE = 4;

  /**
   * ... per byte of a state read back from the store: the analysis as a JSON tree (~3.7 bytes a
   * byte) and its text.
   */
  public static final int READ_HEAP_PER_BYTE = 6;

  /**
   * ... and per byte of the published JSON for a newer unpublished estimate's analysis (core's
   * objects).
   */
  public static final int LATEST_HEAP_PER_BYTE = 2;

  public ExperimentState(String experiment) {
    this.experiment = experiment;
  }

  /**
   * About how many heap bytes this state holds, for a memory budget: 4 KB for its fields, its
   * analyses (the published estimate's, and the latest one's while it differs) by the size of their
   * JSON, and its per-run alert and advice entries.
   */
  public long heapBytesEstimate() {
    boolean latestApart = latest != null && latest != published && latest.analysis() != null;
    return 4096
        + analysisHeapBytes
        + (latestApart ? (long) LATEST_HEAP_PER_BYTE * analysisBytes : 0)
        + 128L * (ratioAbove.size() + advised.size());
  }

  /**
   * One published estimate, for {@code GET /experiments/{id}}; a record of store {@code
   * experiment-history}.
   */
  public record HistoryPoint(
      Instant time, double cmr, double cmrLow, double cmrHigh, String status, int points) {

    /** Serde of the history store's values. */
    public static final Serde<HistoryPoint> SERDE =
        Serdes.serdeFrom(
            (Serializer<HistoryPoint>) (topic, h) -> h == null ? null : Json.bytes(h.toJson()),
            (Deserializer<HistoryPoint>) (topic, b) -> b == null ? null : fromBytes(b));

    /** The point of a published estimate. */
    public static HistoryPoint of(CmrEstimate e) {
      return new HistoryPoint(
          e.time(), e.cmr(), e.cmrLow(), e.cmrHigh(), e.status(), e.pointsUsed());
    }

    /** Its JSON, as {@code GET /experiments/{id}} lists it. */
    public ObjectNode toJson() {
      ObjectNode n = Json.MAPPER.createObjectNode();
      n.put("time", time.toString());
      RunFit.num(n, "cmr", cmr);
      RunFit.num(n, "cmrLow", cmrLow);
      RunFit.num(n, "cmrHigh", cmrHigh);
      n.put("status", status);
      n.put("points", points);
      return n;
    }

    static HistoryPoint fromBytes(byte[] b) {
      try {
        return fromJson(Json.MAPPER.readTree(b));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    static HistoryPoint fromJson(JsonNode n) {
      return new HistoryPoint(
          Instant.parse(n.get("time").asText()),
          RunFit.dbl(n, "cmr"),
          RunFit.dbl(n, "cmrLow"),
          RunFit.dbl(n, "cmrHigh"),
          n.get("status").asText(),
          n.get("points").asInt());
    }
  }

  /**
   * Records {@code e} as the published estimate ({@code json}: its {@link CmrEstimate#toBytes()})
   * and returns the sequence number of its history point (the caller stores the point).
   */
  public long publish(CmrEstimate e, byte[] json) {
    published = e;
    publishedText = new String(json, StandardCharsets.UTF_8);
    analysisBytes = json.length;
    analysisHeapBytes = (long) COMPUTED_HEAP_PER_BYTE * json.length;
    return historyNext++;
  }

  /**
   * JSON form. The latest estimate is stored without core's analysis unless it is the published one
   * (written once, as {@code "latest": "published"}): after a restart the first recompute starts
   * from the runs' own fits instead.
   */
  public byte[] encode() {
    try {
      if (published != null && publishedText == null) {
        publishedText = new String(published.toBytes(), StandardCharsets.UTF_8);
      }
      ByteArrayOutputStream out =
          new ByteArrayOutputStream(512 + (publishedText == null ? 0 : publishedText.length()));
      try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
        g.writeStartObject();
        g.writeStringField("experiment", experiment);
        if (latest == null) {
          g.writeNullField("latest");
        } else if (latest == published) {
          g.writeStringField("latest", "published");
        } else {
          g.writeFieldName("latest");
          g.writeTree(
              new CmrEstimate(
                      latest.experiment(),
                      latest.status(),
                      latest.cmr(),
                      latest.cmrLow(),
                      latest.cmrHigh(),
                      latest.cmrLaw(),
                      latest.runs(),
                      latest.runsUsed(),
                      latest.pointsUsed(),
                      latest.budgetTokens(),
                      latest.epsilon(),
                      latest.lambda(),
                      latest.tokenUnit(),
                      latest.time(),
                      null)
                  .toJson());
        }
        g.writeFieldName("published");
        if (publishedText == null) {
          g.writeNull();
        } else {
          g.writeRawValue(publishedText);
        }
        g.writeNumberField("historyFirst", historyFirst);
        g.writeNumberField("historyNext", historyNext);
        if (!legacyHistory.isEmpty()) {
          // Not moved to the history store yet: kept, so that no point is lost on the way.
          g.writeArrayFieldStart("history");
          for (HistoryPoint h : legacyHistory) {
            g.writeTree(h.toJson());
          }
          g.writeEndArray();
        }
        g.writeNumberField("lastComputeWallMs", lastComputeWallMs);
        g.writeNumberField("lastLawWallMs", lastLawWallMs);
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
    s.latest =
        latest == null || latest.isNull()
            ? null
            : latest.isTextual() && "published".equals(latest.asText())
                ? s.published
                : CmrEstimate.fromJson(latest);
    if (n.has("historyNext")) {
      s.historyFirst = n.get("historyFirst").asLong();
      s.historyNext = n.get("historyNext").asLong();
    }
    if (n.has("history")) {
      n.get("history").forEach(h -> s.legacyHistory.add(HistoryPoint.fromJson(h)));
    }
    s.lastComputeWallMs = n.get("lastComputeWallMs").asLong();
    // Not written by earlier versions: the law is then refitted at the next recompute.
    s.lastLawWallMs = n.has("lastLawWallMs") ? n.get("lastLawWallMs").asLong() : 0;
    s.analysisBytes = b.length;
    s.analysisHeapBytes = (long) READ_HEAP_PER_BYTE * b.length;
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
