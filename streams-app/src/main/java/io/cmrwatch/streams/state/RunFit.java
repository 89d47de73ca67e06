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
 * One run's latest fit, as published on {@code cpt.run-fits} (schema 1) and kept in the run's state
 * for warm starts, alerts and queries. Numbers come from core's per-run analysis; absolute tokens
 * throughout. NaN means "not known" and is written as JSON {@code null}.
 *
 * @param experiment experiment id
 * @param run run id
 * @param ratio the run's domain share (of its constant-ratio data)
 * @param ratioChanged whether the ratio changed mid-run (later data is kept out of the fits)
 * @param status {@code ok} or the machine-readable reason there is no usable fit
 * @param points summary points the fit used
 * @param events events absorbed into the constant-ratio summary
 * @param fitTokens largest tokens the fit saw
 * @param budgetTokens the budget T_max used (0 = unknown)
 * @param epsilon ε used
 * @param lambda λ used
 * @param tokenUnit token unit used
 * @param general fitted dGen law (form general, T in token units), or null
 * @param domain fitted dDom law (form domain, T in token units), or null
 * @param generalRmse RMSE of the general fit (the run's noise scale), NaN when unknown
 * @param domainRmse RMSE of the domain fit, NaN when unknown
 * @param t0Tokens critical token point T0 (tokens; +∞ written as null with {@code t0Beyond} true)
 * @param t0Low lower end of T0's 90 % interval (tokens)
 * @param t0High upper end of T0's 90 % interval (tokens)
 * @param feasible whether the ratio is feasible at the budget, null when unknown
 * @param generalLossIncrease latest observed dGen (any ratio)
 * @param domainLossDecrease latest observed −dDom (any ratio)
 * @param predictedGeneralLossIncrease fitted dGen at the budget
 * @param predictedDomainLossDecrease fitted −dDom at the budget
 * @param forgetting {@code none}, {@code predicted} or {@code observed}
 * @param time wall-clock time of the fit
 * @param latestEventTime latest event time reported by the run, or null
 * @param analysis core's JSON of the run's analysis (its {@code RunEstimate}: fit quality,
 *     extrapolation flags, dGen(T_max) interval), or null
 */
public record RunFit(
    String experiment,
    String run,
    double ratio,
    boolean ratioChanged,
    String status,
    int points,
    long events,
    long fitTokens,
    long budgetTokens,
    double epsilon,
    double lambda,
    double tokenUnit,
    Law general,
    Law domain,
    double generalRmse,
    double domainRmse,
    double t0Tokens,
    double t0Low,
    double t0High,
    Boolean feasible,
    double generalLossIncrease,
    double domainLossDecrease,
    double predictedGeneralLossIncrease,
    double predictedDomainLossDecrease,
    String forgetting,
    Instant time,
    Instant latestEventTime,
    JsonNode analysis) {

  /** Schema version of the JSON. */
  public static final int SCHEMA = 1;

  /** Whether the fit is usable. */
  public boolean ok() {
    return "ok".equals(status);
  }

  /** The {@code cpt.run-fits} JSON. */
  public ObjectNode toJson() {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("schema", SCHEMA);
    n.put("experiment", experiment);
    n.put("run", run);
    num(n, "ratio", ratio);
    n.put("ratioChanged", ratioChanged);
    n.put("status", status);
    n.put("points", points);
    n.put("events", events);
    n.put("fitTokens", fitTokens);
    if (budgetTokens > 0) {
      n.put("budgetTokens", budgetTokens);
    } else {
      n.putNull("budgetTokens");
    }
    num(n, "epsilon", epsilon);
    num(n, "lambda", lambda);
    num(n, "tokenUnit", tokenUnit);
    law(n, "general", general);
    law(n, "domain", domain);
    num(n, "generalRmse", generalRmse);
    num(n, "domainRmse", domainRmse);
    n.put("t0Beyond", t0Tokens == Double.POSITIVE_INFINITY);
    num(n, "t0Tokens", t0Tokens);
    num(n, "t0Low", t0Low);
    num(n, "t0High", t0High);
    if (feasible == null) {
      n.putNull("feasible");
    } else {
      n.put("feasible", feasible);
    }
    num(n, "generalLossIncrease", generalLossIncrease);
    num(n, "domainLossDecrease", domainLossDecrease);
    num(n, "predictedGeneralLossIncrease", predictedGeneralLossIncrease);
    num(n, "predictedDomainLossDecrease", predictedDomainLossDecrease);
    n.put("forgetting", forgetting);
    n.put("time", time.toString());
    if (latestEventTime == null) {
      n.putNull("latestEventTime");
    } else {
      n.put("latestEventTime", latestEventTime.toString());
    }
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

  /** Reads the JSON written by {@link #toJson()}. */
  public static RunFit fromJson(JsonNode n) {
    return new RunFit(
        n.get("experiment").asText(),
        n.get("run").asText(),
        dbl(n, "ratio"),
        n.get("ratioChanged").asBoolean(),
        n.get("status").asText(),
        n.get("points").asInt(),
        n.get("events").asLong(),
        n.get("fitTokens").asLong(),
        n.get("budgetTokens").isNull() ? 0 : n.get("budgetTokens").asLong(),
        dbl(n, "epsilon"),
        dbl(n, "lambda"),
        dbl(n, "tokenUnit"),
        law(n.get("general"), LawForm.GENERAL),
        law(n.get("domain"), LawForm.DOMAIN),
        dbl(n, "generalRmse"),
        dbl(n, "domainRmse"),
        n.get("t0Beyond").asBoolean() ? Double.POSITIVE_INFINITY : dbl(n, "t0Tokens"),
        dbl(n, "t0Low"),
        dbl(n, "t0High"),
        n.get("feasible").isNull() ? null : n.get("feasible").asBoolean(),
        dbl(n, "generalLossIncrease"),
        dbl(n, "domainLossDecrease"),
        dbl(n, "predictedGeneralLossIncrease"),
        dbl(n, "predictedDomainLossDecrease"),
        n.get("forgetting").asText(),
        Instant.parse(n.get("time").asText()),
        n.get("latestEventTime").isNull() ? null : Instant.parse(n.get("latestEventTime").asText()),
        n.get("analysis") == null || n.get("analysis").isNull() ? null : n.get("analysis"));
  }

  /** Reads JSON bytes written by {@link #toBytes()}. */
  public static RunFit fromBytes(byte[] b) {
    try {
      return fromJson(Json.MAPPER.readTree(b));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Puts {@code v}, or null when it is not finite. */
  public static void num(ObjectNode n, String field, double v) {
    if (Double.isFinite(v)) {
      n.put(field, v);
    } else {
      n.putNull(field);
    }
  }

  /** The number at {@code field}, NaN when absent or null. */
  public static double dbl(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? Double.NaN : v.asDouble();
  }

  static void law(ObjectNode n, String field, Law law) {
    if (law == null) {
      n.putNull(field);
      return;
    }
    ObjectNode o = n.putObject(field);
    law.named().forEach(o::put);
  }

  static Law law(JsonNode n, LawForm form) {
    if (n == null || n.isNull()) {
      return null;
    }
    double[] p = new double[form.parameterCount()];
    for (int i = 0; i < p.length; i++) {
      p[i] = n.get(form.parameterNames().get(i)).asDouble();
    }
    return Law.of(form, p);
  }
}
