package io.cmrwatch.streams.alert;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cmrwatch.streams.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One alert transition as published on {@code cpt.alerts} (schema 1, key: the run id): {@code
 * {"schema":1,"kind":..,"state":"firing|resolved","severity":..,"experiment":..,"run":..,"time":..,
 * "message":..,"values":{...the numbers behind it}}}.
 *
 * @param kind the alert kind
 * @param firing true for firing, false for resolved
 * @param experiment experiment id
 * @param run run id
 * @param time wall-clock time of the transition
 * @param message a readable sentence
 * @param values the numbers behind it (non-finite ones written as null)
 */
public record Alert(
    AlertKind kind,
    boolean firing,
    String experiment,
    String run,
    Instant time,
    String message,
    Map<String, Double> values) {

  /** Schema version of the JSON. */
  public static final int SCHEMA = 1;

  /** The state word: {@code firing} or {@code resolved}. */
  public String state() {
    return firing ? "firing" : "resolved";
  }

  /** The JSON bytes. */
  public byte[] toBytes() {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("schema", SCHEMA);
    n.put("kind", kind.code());
    n.put("state", state());
    n.put("severity", kind.severity());
    n.put("experiment", experiment);
    n.put("run", run);
    n.put("time", time.toString());
    n.put("message", message);
    ObjectNode v = n.putObject("values");
    values.forEach(
        (k, x) -> {
          if (x != null && Double.isFinite(x)) {
            v.put(k, x);
          } else {
            v.putNull(k);
          }
        });
    try {
      return Json.MAPPER.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An ordered map of the given name/value pairs. */
  public static Map<String, Double> values(Object... nameValue) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      Object v = nameValue[i + 1];
      m.put((String) nameValue[i], v == null ? null : ((Number) v).doubleValue());
    }
    return m;
  }
}
