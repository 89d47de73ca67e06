package io.cmrwatch.streams.topology;

import io.cmrwatch.core.cmr.ExperimentAnalyzer;
import io.cmrwatch.streams.config.ExperimentSettings;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One core analyzer per distinct experiment settings, shared by every task and thread of the
 * instance (an analyzer is thread-safe, and it remembers each run's latest fits, so it is kept
 * rather than made per analysis).
 */
final class Analyzers {

  /** Analyzers kept at once; beyond this (many distinct settings) the cache starts afresh. */
  static final int MAX_ANALYZERS = 256;

  private final Map<ExperimentSettings, ExperimentAnalyzer> analyzers = new ConcurrentHashMap<>();

  /** The analyzer of {@code st}. */
  ExperimentAnalyzer of(ExperimentSettings st) {
    ExperimentAnalyzer a = analyzers.get(st);
    if (a == null) {
      if (analyzers.size() >= MAX_ANALYZERS) {
        analyzers.clear();
      }
      a = analyzers.computeIfAbsent(st, k -> new ExperimentAnalyzer(k.cmrSettings()));
    }
    return a;
  }
}
