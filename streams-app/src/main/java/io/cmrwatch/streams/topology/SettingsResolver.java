package io.cmrwatch.streams.topology;

import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.streams.config.ExperimentSettings;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves an experiment's settings: its {@code cpt.experiments} record (if any) over what its
 * runs' events carry over the app-wide defaults. Parsed records are cached per experiment and
 * re-parsed only when the record's bytes change; an invalid record is logged once and ignored (the
 * events' and default settings apply).
 */
final class SettingsResolver {

  private static final Logger LOG = LoggerFactory.getLogger(SettingsResolver.class);
  private static final ExperimentSettings.Overrides NONE =
      new ExperimentSettings.Overrides(null, null, null, null);

  private final ExperimentSettings defaults;
  private final ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>> topic;
  private final Map<String, Parsed> parsed = new HashMap<>();

  private record Parsed(byte[] raw, ExperimentSettings.Overrides overrides) {}

  SettingsResolver(
      ExperimentSettings defaults, ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>> topic) {
    this.defaults = defaults;
    this.topic = topic;
  }

  /**
   * Settings of {@code experiment} given the settings carried by one of its runs' summaries (may be
   * null).
   */
  ExperimentSettings resolve(String experiment, RunSummary fromEvents) {
    ExperimentSettings s =
        fromEvents == null
            ? defaults
            : defaults.override(
                fromEvents.budgetTokens(),
                fromEvents.epsilon(),
                fromEvents.lambda(),
                fromEvents.tokenUnit());
    return s.override(overrides(experiment));
  }

  private ExperimentSettings.Overrides overrides(String experiment) {
    ValueAndTimestamp<byte[]> vt = topic == null ? null : topic.get(experiment);
    byte[] raw = vt == null ? null : vt.value();
    if (raw == null) {
      parsed.remove(experiment);
      return NONE;
    }
    Parsed p = parsed.get(experiment);
    if (p == null || !Arrays.equals(p.raw, raw)) {
      ExperimentSettings.Overrides o;
      try {
        o = ExperimentSettings.Overrides.parse(raw);
      } catch (IllegalArgumentException e) {
        LOG.warn("ignoring the cpt.experiments record of {}: {}", experiment, e.getMessage());
        o = NONE;
      }
      p = new Parsed(raw.clone(), o);
      parsed.put(experiment, p);
    }
    return p.overrides;
  }
}
