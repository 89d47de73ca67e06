package io.cmrwatch.core.event;

import java.time.Instant;
import java.util.Objects;

/**
 * One evaluation of a continual-pre-training run: general and domain validation loss at {@code
 * tokens} CPT tokens, with the base model's losses before CPT. The shared contract of every module
 * (README.md, "The loss event").
 *
 * <p>Instances are valid by construction: use {@link #builder()} or {@link
 * LossEventCodec#decode(byte[])}, both of which reject what the design calls malformed or
 * impossible with an {@link InvalidEventException}.
 *
 * @param schema schema version, currently always {@value #SCHEMA_VERSION}
 * @param experiment experiment id (one base checkpoint, corpora and budget)
 * @param run run id, the Kafka key
 * @param ratio domain share R of the training mix, in (0, 1]
 * @param tokens CPT tokens consumed so far (the x-axis), &ge; 0
 * @param step optimizer step, &ge; 0, or {@code null} when the job does not report it
 * @param generalLoss general validation loss Lgen(T)
 * @param domainLoss domain validation loss Ldom(T)
 * @param baseGeneralLoss Lgen(0), the base model's general loss
 * @param baseDomainLoss Ldom(0), the base model's domain loss
 * @param budgetTokens the experiment's token budget T_max, or {@code null} when unknown to the job
 * @param learningRate learning rate at this step, or {@code null}
 * @param time wall-clock time of the evaluation, or {@code null}
 * @param eventId unique id of this evaluation; a duplicate id changes nothing downstream
 * @param epsilon optional per-experiment tolerance override
 * @param lambda optional per-experiment weight override
 * @param tokenUnit optional per-experiment token unit override
 */
public record LossEvent(
    int schema,
    String experiment,
    String run,
    double ratio,
    long tokens,
    Long step,
    double generalLoss,
    double domainLoss,
    double baseGeneralLoss,
    double baseDomainLoss,
    Long budgetTokens,
    Double learningRate,
    Instant time,
    String eventId,
    Double epsilon,
    Double lambda,
    Double tokenUnit) {

  /** The only schema version this build reads and writes. */
  public static final int SCHEMA_VERSION = 1;

  /** Longest accepted id (experiment, run, event), in characters. */
  public static final int MAX_ID_LENGTH = 200;

  /**
   * Losses must be below this (2^20 nats): no cross-entropy is near it, and a run's summary keeps
   * losses in a fixed-point range up to it.
   */
  public static final double MAX_LOSS = 0x1.0p20;

  /** Validates every field; see {@link Rejection} for the reasons. */
  public LossEvent {
    if (schema != SCHEMA_VERSION) {
      throw new InvalidEventException(
          Rejection.UNKNOWN_SCHEMA,
          "schema " + schema + " is not supported (this build reads schema 1)");
    }
    checkId("experiment", experiment);
    checkId("run", run);
    checkId("eventId", eventId);
    if (!(ratio > 0.0 && ratio <= 1.0)) {
      throw new InvalidEventException(
          Rejection.RATIO_OUT_OF_RANGE, "ratio must be in (0, 1], got " + ratio);
    }
    if (tokens < 0) {
      throw new InvalidEventException(
          Rejection.NEGATIVE_TOKENS, "tokens must be >= 0, got " + tokens);
    }
    if (step != null && step < 0) {
      throw new InvalidEventException(Rejection.NEGATIVE_STEP, "step must be >= 0, got " + step);
    }
    checkLoss("generalLoss", generalLoss);
    checkLoss("domainLoss", domainLoss);
    checkLoss("baseGeneralLoss", baseGeneralLoss);
    checkLoss("baseDomainLoss", baseDomainLoss);
    if (budgetTokens != null && budgetTokens <= 0) {
      throw new InvalidEventException(
          Rejection.BAD_BUDGET, "budgetTokens must be > 0 when given, got " + budgetTokens);
    }
    if (learningRate != null && !(Double.isFinite(learningRate) && learningRate >= 0)) {
      throw new InvalidEventException(
          Rejection.BAD_SETTING,
          "learningRate must be finite and >= 0 when given, got " + learningRate);
    }
    if (epsilon != null && !(Double.isFinite(epsilon) && epsilon > 0)) {
      throw new InvalidEventException(
          Rejection.BAD_SETTING, "epsilon must be finite and > 0 when given, got " + epsilon);
    }
    if (lambda != null && !(Double.isFinite(lambda) && lambda > 0)) {
      throw new InvalidEventException(
          Rejection.BAD_SETTING, "lambda must be finite and > 0 when given, got " + lambda);
    }
    if (tokenUnit != null && !(Double.isFinite(tokenUnit) && tokenUnit >= 1)) {
      throw new InvalidEventException(
          Rejection.BAD_SETTING, "tokenUnit must be finite and >= 1 when given, got " + tokenUnit);
    }
  }

  /**
   * General-loss change since the base model, dGen(T) = Lgen(T) − Lgen(0); positive means
   * forgetting.
   */
  public double generalLossIncrease() {
    return generalLoss - baseGeneralLoss;
  }

  /**
   * Domain-loss change since the base model, dDom(T) = Ldom(T) − Ldom(0); negative means learning.
   */
  public double domainLossChange() {
    return domainLoss - baseDomainLoss;
  }

  /** A builder pre-set with the current schema version. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this event's values, for deriving a changed copy. */
  public Builder toBuilder() {
    return new Builder()
        .schema(schema)
        .experiment(experiment)
        .run(run)
        .ratio(ratio)
        .tokens(tokens)
        .step(step)
        .generalLoss(generalLoss)
        .domainLoss(domainLoss)
        .baseGeneralLoss(baseGeneralLoss)
        .baseDomainLoss(baseDomainLoss)
        .budgetTokens(budgetTokens)
        .learningRate(learningRate)
        .time(time)
        .eventId(eventId)
        .epsilon(epsilon)
        .lambda(lambda)
        .tokenUnit(tokenUnit);
  }

  private static void checkId(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new InvalidEventException(
          Rejection.MISSING_FIELD, field + " is required and must not be blank");
    }
    if (value.length() > MAX_ID_LENGTH) {
      throw new InvalidEventException(
          Rejection.BAD_ID, field + " is longer than " + MAX_ID_LENGTH + " characters");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c) || Character.isWhitespace(c)) {
        throw new InvalidEventException(
            Rejection.BAD_ID,
            field + " must not contain white space or control characters: \"" + value + "\"");
      }
      if (Character.isSurrogate(c)) {
        // A pair is one character outside the BMP; a lone half cannot be encoded as UTF-8, so the
        // Kafka key and every store key would carry '?' instead.
        if (Character.isHighSurrogate(c)
            && i + 1 < value.length()
            && Character.isLowSurrogate(value.charAt(i + 1))) {
          i++;
        } else {
          throw new InvalidEventException(
              Rejection.BAD_ID,
              field + " contains a lone UTF-16 surrogate at index " + i + ": not valid Unicode");
        }
      }
    }
  }

  private static void checkLoss(String field, double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      throw new InvalidEventException(
          Rejection.NON_FINITE_LOSS, field + " must be a finite number, got " + value);
    }
    if (value < 0) {
      throw new InvalidEventException(
          Rejection.NEGATIVE_LOSS, field + " must be >= 0, got " + value);
    }
    if (!(value < MAX_LOSS)) {
      throw new InvalidEventException(
          Rejection.LOSS_OUT_OF_RANGE,
          field + " must be below " + MAX_LOSS + " (2^20), got " + value + ": not a loss value");
    }
  }

  /** Mutable builder; {@link #build()} validates. */
  public static final class Builder {
    private int schema = SCHEMA_VERSION;
    private String experiment;
    private String run;
    private double ratio = Double.NaN;
    private long tokens = -1;
    private Long step;
    private double generalLoss = Double.NaN;
    private double domainLoss = Double.NaN;
    private double baseGeneralLoss = Double.NaN;
    private double baseDomainLoss = Double.NaN;
    private Long budgetTokens;
    private Double learningRate;
    private Instant time;
    private String eventId;
    private Double epsilon;
    private Double lambda;
    private Double tokenUnit;

    private Builder() {}

    public Builder schema(int v) {
      schema = v;
      return this;
    }

    public Builder experiment(String v) {
      experiment = v;
      return this;
    }

    public Builder run(String v) {
      run = v;
      return this;
    }

    public Builder ratio(double v) {
      ratio = v;
      return this;
    }

    public Builder tokens(long v) {
      tokens = v;
      return this;
    }

    public Builder step(Long v) {
      step = v;
      return this;
    }

    public Builder generalLoss(double v) {
      generalLoss = v;
      return this;
    }

    public Builder domainLoss(double v) {
      domainLoss = v;
      return this;
    }

    public Builder baseGeneralLoss(double v) {
      baseGeneralLoss = v;
      return this;
    }

    public Builder baseDomainLoss(double v) {
      baseDomainLoss = v;
      return this;
    }

    public Builder budgetTokens(Long v) {
      budgetTokens = v;
      return this;
    }

    public Builder learningRate(Double v) {
      learningRate = v;
      return this;
    }

    public Builder time(Instant v) {
      time = v;
      return this;
    }

    public Builder eventId(String v) {
      eventId = v;
      return this;
    }

    public Builder epsilon(Double v) {
      epsilon = v;
      return this;
    }

    public Builder lambda(Double v) {
      lambda = v;
      return this;
    }

    public Builder tokenUnit(Double v) {
      tokenUnit = v;
      return this;
    }

    /** Validates and builds; throws {@link InvalidEventException} with the first problem found. */
    public LossEvent build() {
      return new LossEvent(
          schema,
          experiment,
          run,
          ratio,
          tokens,
          step,
          generalLoss,
          domainLoss,
          baseGeneralLoss,
          baseDomainLoss,
          budgetTokens,
          learningRate,
          time,
          eventId,
          epsilon,
          lambda,
          tokenUnit);
    }
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof LossEvent e)) {
      return false;
    }
    return schema == e.schema
        && Double.compare(ratio, e.ratio) == 0
        && tokens == e.tokens
        && Double.compare(generalLoss, e.generalLoss) == 0
        && Double.compare(domainLoss, e.domainLoss) == 0
        && Double.compare(baseGeneralLoss, e.baseGeneralLoss) == 0
        && Double.compare(baseDomainLoss, e.baseDomainLoss) == 0
        && experiment.equals(e.experiment)
        && run.equals(e.run)
        && eventId.equals(e.eventId)
        && Objects.equals(step, e.step)
        && Objects.equals(budgetTokens, e.budgetTokens)
        && Objects.equals(learningRate, e.learningRate)
        && Objects.equals(time, e.time)
        && Objects.equals(epsilon, e.epsilon)
        && Objects.equals(lambda, e.lambda)
        && Objects.equals(tokenUnit, e.tokenUnit);
  }

  @Override
  public int hashCode() {
    return Objects.hash(experiment, run, eventId, tokens);
  }
}
