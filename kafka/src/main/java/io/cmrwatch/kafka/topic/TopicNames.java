package io.cmrwatch.kafka.topic;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The names of every cmrwatch topic under one configurable prefix (README.md, "Topics": every name
 * can take a prefix). Immutable; build with {@link #withPrefix(String)}.
 *
 * @param prefix the prefix, possibly empty, prepended verbatim to every base name
 */
public record TopicNames(String prefix) {

  /** Base name of the loss-event input topic. */
  public static final String LOSS_EVENTS = "cpt.loss-events";

  /** Base name of the dead-letter topic for bad loss events. */
  public static final String LOSS_EVENTS_DLQ = "cpt.loss-events.dlq";

  /** Base name of the per-run fit topic. */
  public static final String RUN_FITS = "cpt.run-fits";

  /** Base name of the per-experiment CMR estimate topic. */
  public static final String CMR_ESTIMATES = "cpt.cmr-estimates";

  /** Base name of the alert topic. */
  public static final String ALERTS = "cpt.alerts";

  /** Base name of the ratio-advice topic (key: run id). */
  public static final String RATIO_ADVICE = "cpt.ratio-advice";

  /** Base name of the optional compacted experiment-settings topic. */
  public static final String EXPERIMENTS = "cpt.experiments";

  private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]*");

  public TopicNames {
    if (prefix == null) {
      prefix = "";
    }
    if (!LEGAL.matcher(prefix).matches()) {
      throw new IllegalArgumentException(
          "topic prefix \""
              + prefix
              + "\" may only contain ASCII letters, digits, '.', '_' and '-'");
    }
  }

  /** The names with no prefix: the defaults listed in README.md, "Topics". */
  public static TopicNames defaults() {
    return new TopicNames("");
  }

  /** The names under {@code prefix} (for example {@code "team-a."}). */
  public static TopicNames withPrefix(String prefix) {
    return new TopicNames(prefix);
  }

  public String lossEvents() {
    return prefix + LOSS_EVENTS;
  }

  public String lossEventsDlq() {
    return prefix + LOSS_EVENTS_DLQ;
  }

  public String runFits() {
    return prefix + RUN_FITS;
  }

  public String cmrEstimates() {
    return prefix + CMR_ESTIMATES;
  }

  public String alerts() {
    return prefix + ALERTS;
  }

  public String ratioAdvice() {
    return prefix + RATIO_ADVICE;
  }

  public String experiments() {
    return prefix + EXPERIMENTS;
  }

  /** Every topic, input and output, in a stable order. */
  public List<String> all() {
    return List.of(
        lossEvents(),
        lossEventsDlq(),
        runFits(),
        cmrEstimates(),
        alerts(),
        ratioAdvice(),
        experiments());
  }
}
