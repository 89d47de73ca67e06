package io.cmrwatch.streams.alert;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One alert transition as published on {@code cpt.alerts} (key: the run id), written by the app's
 * JSON mapping.
 *
 * @param schema shape version, {@value #SCHEMA}
 * @param kind the alert kind's code ({@link AlertKind#code()})
 * @param state {@code firing} or {@code resolved}
 * @param severity {@code critical} or {@code warning}
 * @param experiment experiment id
 * @param run run id
 * @param time wall-clock time of the transition (ISO-8601)
 * @param message a readable sentence
 * @param values the numbers behind it (non-finite ones as null)
 */
@JsonPropertyOrder({
  "schema",
  "kind",
  "state",
  "severity",
  "experiment",
  "run",
  "time",
  "message",
  "values"
})
public record Alert(
    int schema,
    String kind,
    String state,
    String severity,
    String experiment,
    String run,
    String time,
    String message,
    Map<String, Double> values) {

  /** Shape version. */
  public static final int SCHEMA = 1;

  /** A transition of {@code kind}: firing, or resolved. */
  public static Alert of(
      AlertKind kind,
      boolean firing,
      String experiment,
      String run,
      long wallMs,
      String message,
      Map<String, Double> values) {
    return new Alert(
        SCHEMA,
        kind.code(),
        firing ? "firing" : "resolved",
        kind.severity(),
        experiment,
        run,
        Instant.ofEpochMilli(wallMs).toString(),
        message,
        values);
  }

  /** Whether this transition fires (rather than resolves) its alert. */
  public boolean firing() {
    return "firing".equals(state);
  }

  /** An ordered map of the given name/value pairs; non-finite values become null. */
  public static Map<String, Double> values(Object... nameValue) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      Object v = nameValue[i + 1];
      double d = v == null ? Double.NaN : ((Number) v).doubleValue();
      m.put((String) nameValue[i], Double.isFinite(d) ? d : null);
    }
    return m;
  }
}
