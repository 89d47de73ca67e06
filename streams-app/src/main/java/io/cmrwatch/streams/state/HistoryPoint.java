package io.cmrwatch.streams.state;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.cmr.RunEstimate;
import io.cmrwatch.streams.json.Json;
import java.time.Instant;

/**
 * One published estimate of an experiment, for {@code GET /experiments/{id}}'s history: a record of
 * store {@code estimate-history} (key {@code experiment + '\0' + sequence number}).
 *
 * @param time when it was published (ISO-8601)
 * @param cmr the CMR, or null when there was none
 * @param cmrLow the lower end of its 90 % interval, or null
 * @param cmrHigh the upper end, or null
 * @param status {@code ok} or the reason there was no CMR
 * @param points curve points of the runs the estimate used
 */
@JsonPropertyOrder({"time", "cmr", "cmrLow", "cmrHigh", "status", "points"})
public record HistoryPoint(
    String time, Double cmr, Double cmrLow, Double cmrHigh, String status, int points) {

  /** The point of an estimate published at {@code time}. */
  public static HistoryPoint of(ExperimentEstimate e, Instant time) {
    return new HistoryPoint(
        time.toString(), e.cmr(), e.cmrLow(), e.cmrHigh(), e.status(), pointsUsed(e));
  }

  /** Curve points of the runs an estimate used (its usable runs'). */
  public static int pointsUsed(ExperimentEstimate e) {
    int points = 0;
    if (e.runs() != null) {
      for (RunEstimate r : e.runs()) {
        if (r.ok()) {
          points += r.points();
        }
      }
    }
    return points;
  }

  /** Serde of the store's values (JSON). */
  public static final org.apache.kafka.common.serialization.Serde<HistoryPoint> SERDE =
      Json.serde(HistoryPoint.class);
}
