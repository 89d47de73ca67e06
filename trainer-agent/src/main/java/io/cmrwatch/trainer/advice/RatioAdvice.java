package io.cmrwatch.trainer.advice;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * A ratio-advice message from {@code cpt.ratio-advice} (key: run id), as the streams app publishes
 * it. Fields this build does not know are ignored, so that the producer can add some without
 * breaking agents.
 *
 * @param schema message schema version (1)
 * @param experiment experiment id
 * @param run run id the advice is for
 * @param currentRatio the ratio the advisor believed the run to have
 * @param advisedRatio the domain share the advisor recommends
 * @param reason why, in words
 * @param cmr the CMR estimate behind the advice, or null
 * @param cmrLow lower end of its interval, or null
 * @param cmrHigh upper end of its interval, or null
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RatioAdvice(
    int schema,
    String experiment,
    String run,
    Double currentRatio,
    double advisedRatio,
    String reason,
    Double cmr,
    Double cmrLow,
    Double cmrHigh) {

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /**
   * Parses one message; a message that is not advice fails with {@link IllegalArgumentException}.
   */
  public static RatioAdvice parse(byte[] json) {
    RatioAdvice advice;
    try {
      advice = JSON.readValue(json, RatioAdvice.class);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a ratio-advice message: " + e.getMessage(), e);
    }
    if (advice.run == null || !(advice.advisedRatio > 0 && advice.advisedRatio <= 1)) {
      throw new IllegalArgumentException(
          "ratio advice needs a run and an advisedRatio in (0, 1]; got run="
              + advice.run
              + " advisedRatio="
              + advice.advisedRatio);
    }
    return advice;
  }

  /** The message as JSON (tests and tools publish advice with this). */
  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
