package io.cmrwatch.core.event;

/**
 * Why a loss event was rejected. The {@link #code()} is stable and machine-readable: it is the
 * {@code reason} of a dead-letter record, a metric tag and an HTTP error field.
 */
public enum Rejection {
  /**
   * The bytes are not one JSON object (not UTF-8, not JSON, a field named twice, or more after the
   * object).
   */
  MALFORMED_JSON("malformed_json"),
  /** The JSON text is longer than {@link LossEventCodec#MAX_JSON_BYTES}. */
  EVENT_TOO_LARGE("event_too_large"),
  /** A required field is absent, null or blank. */
  MISSING_FIELD("missing_field"),
  /**
   * A field has the wrong JSON type (a string where a number belongs, a fraction where an integer
   * belongs).
   */
  WRONG_TYPE("wrong_type"),
  /** The schema version is not one this build reads. */
  UNKNOWN_SCHEMA("unknown_schema"),
  /**
   * An id is too long or contains white space, control characters or a lone UTF-16 surrogate (which
   * no UTF-8 key can carry).
   */
  BAD_ID("bad_id"),
  /** The ratio is outside (0, 1]. */
  RATIO_OUT_OF_RANGE("ratio_out_of_range"),
  /** Tokens are negative. */
  NEGATIVE_TOKENS("negative_tokens"),
  /** Step is negative. */
  NEGATIVE_STEP("negative_step"),
  /** A loss is NaN or infinite. */
  NON_FINITE_LOSS("non_finite_loss"),
  /** A loss is negative (cross-entropy cannot be). */
  NEGATIVE_LOSS("negative_loss"),
  /**
   * A loss is {@link LossEvent#MAX_LOSS} or more: not a loss value, and beyond what a run's summary
   * can hold.
   */
  LOSS_OUT_OF_RANGE("loss_out_of_range"),
  /** The budget is not a positive token count. */
  BAD_BUDGET("bad_budget"),
  /** An optional setting (learning rate, epsilon, lambda, token unit) is out of its range. */
  BAD_SETTING("bad_setting"),
  /** The time is not an ISO-8601 instant. */
  BAD_TIME("bad_time");

  private final String code;

  Rejection(String code) {
    this.code = code;
  }

  /** The stable snake_case code of this reason. */
  public String code() {
    return code;
  }
}
