package io.cmrwatch.streams.dlq;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of dead-lettered records, rate-limited: the first record after a quiet interval is logged
 * at once (its place, reason and message, never its bytes), the rest as one summary per interval
 * with counts by reason. A storm of 10,000 bad records is a few lines, not 10,000 pairs of WARNs;
 * every record is still counted by {@code cmrwatch_dlq_records_total{reason}} and kept on the
 * dead-letter topic with its reason.
 */
public final class DeadLetterLog {

  /** Default interval between summaries. */
  public static final Duration INTERVAL = Duration.ofSeconds(30);

  /** Longest quote of a record's message, in characters. */
  static final int MAX_MESSAGE_CHARS = 200;

  private static final DeadLetterLog SHARED =
      new DeadLetterLog(
          LoggerFactory.getLogger(DeadLetters.class), INTERVAL, System::currentTimeMillis, true);

  private final Logger log;
  private final long intervalMs;
  private final LongSupplier clock;
  private final Map<String, Long> counts = new TreeMap<>();
  private long pending;
  private long nextLogMs = Long.MIN_VALUE;
  private ScheduledExecutorService timer;
  private final boolean flushOnTimer;

  DeadLetterLog(Logger log, Duration interval, LongSupplier clock, boolean flushOnTimer) {
    this.log = log;
    this.intervalMs = interval.toMillis();
    this.clock = clock;
    this.flushOnTimer = flushOnTimer;
  }

  /** The log every handler of this process shares. */
  static DeadLetterLog shared() {
    return SHARED;
  }

  /**
   * One record went to the dead-letter topic.
   *
   * @param cause the failure's stack trace is logged with the first record of an interval when
   *     given (an unexpected processing failure), else only its message
   */
  synchronized void deadLettered(
      String reason, String topic, int partition, long offset, String message, Throwable cause) {
    long now = clock.getAsLong();
    if (now >= nextLogMs) {
      String m = message == null ? "" : message;
      if (m.length() > MAX_MESSAGE_CHARS) {
        m = m.substring(0, MAX_MESSAGE_CHARS) + "…";
      }
      String text =
          "dead-lettered {}-{}@{}: {} ({}); further dead letters are summarised every {} s";
      if (cause != null) {
        log.warn(text, topic, partition, offset, reason, m, intervalMs / 1000, cause);
      } else {
        log.warn(text, topic, partition, offset, reason, m, intervalMs / 1000);
      }
      nextLogMs = now + intervalMs;
      startTimer();
      return;
    }
    counts.merge(reason, 1L, Long::sum);
    pending++;
  }

  /** Logs the summary of what was dead-lettered since the last line, if anything. */
  synchronized void flush() {
    if (pending == 0) {
      return;
    }
    log.warn(
        "dead-lettered {} more record(s) in the last {} s, by reason: {} (each is on the dead-letter"
            + " topic with its reason and source offset)",
        pending,
        intervalMs / 1000,
        counts);
    counts.clear();
    pending = 0;
    nextLogMs = clock.getAsLong() + intervalMs;
  }

  private void startTimer() {
    if (!flushOnTimer || timer != null) {
      return;
    }
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "cmrwatch-dlq-log");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleAtFixedRate(this::flush, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
  }
}
