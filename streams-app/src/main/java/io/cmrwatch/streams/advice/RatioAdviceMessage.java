package io.cmrwatch.streams.advice;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One ratio-advice message as published on {@code cpt.ratio-advice} (key: the run id), written by
 * the app's JSON mapping; the trainer agent reads it.
 *
 * @param schema shape version, 1
 * @param experiment experiment id
 * @param run run id
 * @param currentRatio the ratio the run trains at now
 * @param advisedRatio the ratio advised
 * @param reason {@link AdvicePolicy#ABOVE} or {@link AdvicePolicy#BELOW}
 * @param cmr the CMR estimate behind the advice
 * @param cmrLow the lower end of its 90 % interval
 * @param cmrHigh the upper end of its 90 % interval
 * @param time wall-clock time of the advice (ISO-8601)
 */
@JsonPropertyOrder({
  "schema",
  "experiment",
  "run",
  "currentRatio",
  "advisedRatio",
  "reason",
  "cmr",
  "cmrLow",
  "cmrHigh",
  "time"
})
public record RatioAdviceMessage(
    int schema,
    String experiment,
    String run,
    double currentRatio,
    double advisedRatio,
    String reason,
    Double cmr,
    Double cmrLow,
    Double cmrHigh,
    String time) {}
