package io.cmrwatch.streams.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cmrwatch.core.law.Law;
import io.cmrwatch.core.law.LawForm;
import io.cmrwatch.streams.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * An experiment's CMR estimate as published on {@code cpt.cmr-estimates} (schema 1, key: experiment
 * id). The numbers come from core's experiment analysis; {@code analysis} is core's own JSON of it
 * (per-run detail, extrapolation flags), embedded as is. NaN is written as {@code null}.
 *
 * @param experiment experiment id
 * @param status {@code ok} or core's machine-readable reason there is no estimate
 * @param cmr the CMR at the budget (domain share), NaN unless ok
 * @param cmrLow lower end of the 90 % interval
 * @param cmrHigh upper end of the 90 % interval
 * @param cmrLaw the CMR law R_CMR(T) = a4·T^s4 + b3 (T in token units), or null
 * @param runs runs with a fit in the experiment
 * @param runsUsed runs the estimate uses
 * @param pointsUsed summary points behind the estimate
 * @param budgetTokens budget T_max (0 = unknown)
 * @param epsilon ε used
 * @param lambda λ used
 * @param tokenUnit token unit used
 * @param time wall-clock time of the computation
 * @param analysis core's JSON of the analysis, or null
 */
public record CmrEstimate(
    String experiment,
    String status,
    double cmr,
    double cmrLow,
    double cmrHigh,
    Law cmrLaw,
    int runs,
    int runsUsed,
    int pointsUsed,
    long budgetTokens,
    double epsilon,
    double lambda,
    double tokenUnit,
    Instant time,
    JsonNode analysis) {

  /** Schema version of the JSON. */
  public static final int SCHEMA = 1;

  /** Whether the estimate is usable. */
  public boolean ok() {
    return "ok".equals(status);
  }

  /** The {@code cpt.cmr-estimates} JSON. */
  public ObjectNode toJson() {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("schema", SCHEMA);
    n.put("experiment", experiment);
    n.put("status", status);
    RunFit.num(n, "cmr", cmr);
    RunFit.num(n, "cmrLow", cmrLow);
    RunFit.num(n, "cmrHigh", cmrHigh);
    RunFit.law(n, "cmrLaw", cmrLaw);
    n.put("runs", runs);
    n.put("runsUsed", runsUsed);
    n.put("pointsUsed", pointsUsed);
    if (budgetTokens > 0) {
      n.put("budgetTokens", budgetTokens);
    } else {
      n.putNull("budgetTokens");
    }
    RunFit.num(n, "epsilon", epsilon);
    RunFit.num(n, "lambda", lambda);
    RunFit.num(n, "tokenUnit", tokenUnit);
    n.put("time", time.toString());
    if (analysis == null) {
      n.putNull("analysis");
    } else {
      n.set("analysis", analysis);
    }
    return n;
  }

  /** The JSON as bytes. */
  public byte[] toBytes() {
    return Json.bytes(toJson());
  }

  /** Reads {@link #toJson()}'s JSON. */
  public static CmrEstimate fromJson(JsonNode n) {
    JsonNode a = n.get("analysis");
    return new CmrEstimate(
        n.get("experiment").asText(),
        n.get("status").asText(),
        RunFit.dbl(n, "cmr"),
        RunFit.dbl(n, "cmrLow"),
        RunFit.dbl(n, "cmrHigh"),
        RunFit.law(n.get("cmrLaw"), LawForm.CMR),
        n.get("runs").asInt(),
        n.get("runsUsed").asInt(),
        n.get("pointsUsed").asInt(),
        n.get("budgetTokens").isNull() ? 0 : n.get("budgetTokens").asLong(),
        RunFit.dbl(n, "epsilon"),
        RunFit.dbl(n, "lambda"),
        RunFit.dbl(n, "tokenUnit"),
        Instant.parse(n.get("time").asText()),
        a == null || a.isNull() ? null : a);
  }

  /** Reads {@link #toBytes()}'s bytes. */
  public static CmrEstimate fromBytes(byte[] b) {
    try {
      return fromJson(Json.MAPPER.readTree(b));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Whether this estimate differs meaningfully from {@code previous}: a different status or number
   * of runs used, or the CMR or a bound moved by more than {@code minChange}.
   */
  public boolean differsFrom(CmrEstimate previous, double minChange) {
    if (previous == null) {
      return true;
    }
    if (!status.equals(previous.status) || runsUsed != previous.runsUsed) {
      return true;
    }
    return moved(cmr, previous.cmr, minChange)
        || moved(cmrLow, previous.cmrLow, minChange)
        || moved(cmrHigh, previous.cmrHigh, minChange);
  }

  private static boolean moved(double a, double b, double minChange) {
    if (Double.isNaN(a) || Double.isNaN(b)) {
      return Double.isNaN(a) != Double.isNaN(b);
    }
    return Math.abs(a - b) > minChange;
  }
}
