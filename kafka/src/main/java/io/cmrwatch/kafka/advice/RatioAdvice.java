package io.cmrwatch.kafka.advice;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * A ratio-advice message on {@code cpt.ratio-advice} (key: run id): the streams app publishes it
 * for a run whose ratio lies outside the CMR interval, and training agents read it. Fields this
 * build does not know are ignored, so that the producer can add some without breaking agents.
 *
 * @param schema message schema version ({@value #SCHEMA})
 * @param experiment experiment id
 * @param run run id the advice is for
 * @param currentRatio the ratio the advisor believed the run to have, or null
 * @param advisedRatio the domain share the advisor recommends, in (0, 1]
 * @param reason why: {@code ratio_above_cmr_interval} or {@code ratio_below_cmr_interval} from the
 *     streams app
 * @param cmr the CMR estimate behind the advice, or null
 * @param cmrLow lower end of its interval, or null
 * @param cmrHigh upper end of its interval, or null
 * @param time when the advice was made, or null
 */
public record RatioAdvice(
    int schema,
    String experiment,
    String run,
    Double currentRatio,
    double advisedRatio,
    String reason,
    Double cmr,
    Double cmrLow,
    Double cmrHigh,
    Instant time) {

  /** The schema version this build writes. */
  public static final int SCHEMA = 1;

  // Schubfach double writer and FastDoubleParser: exact round trips, and the streams app writes
  // advice on its hot path.
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
          .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
          .build();

  /**
   * Parses one message; a message that is not advice (not JSON, no run, an advised ratio outside
   * (0, 1]) fails with {@link IllegalArgumentException}.
   */
  public static RatioAdvice parse(byte[] json) {
    JsonNode n;
    try {
      n = JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a ratio-advice message: " + e.getMessage(), e);
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("not a ratio-advice message: not a JSON object");
    }
    String run = text(n, "run");
    Double advised = number(n, "advisedRatio");
    if (run == null || advised == null || !(advised > 0 && advised <= 1)) {
      throw new IllegalArgumentException(
          "ratio advice needs a run and an advisedRatio in (0, 1]; got run="
              + run
              + " advisedRatio="
              + (advised == null ? n.get("advisedRatio") : advised));
    }
    String time = text(n, "time");
    Instant at;
    try {
      at = time == null ? null : Instant.parse(time);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("ratio advice with a bad time: " + time, e);
    }
    return new RatioAdvice(
        n.path("schema").asInt(0),
        text(n, "experiment"),
        run,
        number(n, "currentRatio"),
        advised,
        text(n, "reason"),
        number(n, "cmr"),
        number(n, "cmrLow"),
        number(n, "cmrHigh"),
        at);
  }

  /** The message as UTF-8 JSON; null fields are left out. */
  public byte[] toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("schema", schema);
    putText(n, "experiment", experiment);
    putText(n, "run", run);
    putNumber(n, "currentRatio", currentRatio);
    n.put("advisedRatio", advisedRatio);
    putText(n, "reason", reason);
    putNumber(n, "cmr", cmr);
    putNumber(n, "cmrLow", cmrLow);
    putNumber(n, "cmrHigh", cmrHigh);
    putText(n, "time", time == null ? null : time.toString());
    try {
      return JSON.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void putText(ObjectNode n, String field, String value) {
    if (value != null) {
      n.put(field, value);
    }
  }

  private static void putNumber(ObjectNode n, String field, Double value) {
    if (value != null) {
      n.put(field, value);
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static Double number(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isNumber()) {
      throw new IllegalArgumentException(
          "ratio advice field " + field + " must be a number, got " + v);
    }
    return v.asDouble();
  }
}
