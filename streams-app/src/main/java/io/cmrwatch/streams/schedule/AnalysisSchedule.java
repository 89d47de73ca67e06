package io.cmrwatch.streams.schedule;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * When the experiments of one task are analysed. An experiment with new events waits in a queue in
 * the order it began waiting; it is due once its last analysis is at least {@code minIntervalMs}
 * old, and however many events it gathered meanwhile, one analysis covers them all. Due experiments
 * are served oldest first, in rounds. An experiment quiet for {@code settleAfterMs} since its last
 * event is analysed once more, cold (its settled answer).
 *
 * <p>Analyses share the stream thread with the input, which waits while they run. While the input
 * keeps up, a round starts no analysis after {@value #SLICE_MS} ms, so that the thread takes its
 * input again soon; the queue carries the rest to the next round, and under load each analysis
 * covers more events. While the input is behind — a task of the instance took an event that had
 * waited more than {@code behindAfterMs} since its record timestamp ({@link BacklogShare#behind}) —
 * analyses draw on the task's {@link BacklogShare.Account} instead: a small share of the thread,
 * the rest goes to the backlog.
 *
 * <p>Plain Java; wall-clock times come from the caller (the processor's clock), durations from the
 * given monotonic clock. Owned by one stream thread.
 */
public final class AnalysisSchedule {

  /** A round starts analyses within this many ms while the input keeps up. */
  static final long SLICE_MS = 10;

  /**
   * One analysis to run.
   *
   * @param experiment the experiment
   * @param cold from scratch (settling), or warm from its latest estimate
   * @param oldestEventTimestamp record timestamp of the oldest event the analysis first covers;
   *     {@code Long.MAX_VALUE} when unknown
   */
  public record Turn(String experiment, boolean cold, long oldestEventTimestamp) {}

  private static final class Waiting {
    long oldestEventTimestamp = Long.MAX_VALUE;
  }

  private final long minIntervalMs;
  private final long settleAfterMs;
  private final long behindAfterMs;
  private final BacklogShare share;
  private final BacklogShare.Account account;
  private final LongSupplier nanoClock;
  // Experiments with events not yet analysed, in the order they began waiting.
  private final LinkedHashMap<String, Waiting> waiting = new LinkedHashMap<>();
  // Wall-clock ms of each experiment's last analysis.
  private final Map<String, Long> lastAnalysis = new HashMap<>();
  // Experiments not analysed cold since their last event: the wall-clock ms of that event.
  private final Map<String, Long> unsettled = new HashMap<>();
  private long roundStartNanos;

  /**
   * @param minIntervalMs an experiment is analysed at most once per this
   * @param settleAfterMs an experiment quiet for this long is analysed once cold
   * @param behindAfterMs the input is behind while events wait longer than this
   * @param share the instance's analysis time while the input is behind; this task's account is
   *     opened here and closed by {@link #close()}
   * @param nanoClock a monotonic clock (System::nanoTime)
   */
  public AnalysisSchedule(
      long minIntervalMs,
      long settleAfterMs,
      long behindAfterMs,
      BacklogShare share,
      LongSupplier nanoClock) {
    this.minIntervalMs = minIntervalMs;
    this.settleAfterMs = settleAfterMs;
    this.behindAfterMs = behindAfterMs;
    this.share = share;
    this.account = share.open();
    this.nanoClock = nanoClock;
  }

  /**
   * An event of {@code experiment} was taken at {@code nowMs}, {@code delayMs} after its record
   * timestamp {@code timestampMs}.
   */
  public void event(String experiment, long nowMs, long timestampMs, long delayMs) {
    Waiting w = waiting.computeIfAbsent(experiment, e -> new Waiting());
    w.oldestEventTimestamp = Math.min(w.oldestEventTimestamp, timestampMs);
    unsettled.put(experiment, nowMs);
    if (delayMs > behindAfterMs) {
      share.late();
    }
  }

  /**
   * {@code experiment} was restored (the task started on existing state): it is analysed once soon,
   * then settled.
   */
  public void restored(String experiment, long nowMs) {
    waiting.putIfAbsent(experiment, new Waiting());
    unsettled.putIfAbsent(experiment, nowMs);
  }

  /**
   * Starts a round: the analyses due at {@code nowMs}, waiting experiments oldest first, then quiet
   * ones to settle. Serve them in order while {@link #mayStart()}, and report each with {@link
   * #done}.
   */
  public List<Turn> due(long nowMs) {
    roundStartNanos = nanoClock.getAsLong();
    List<Turn> turns = new ArrayList<>();
    for (Map.Entry<String, Waiting> e : waiting.entrySet()) {
      Long last = lastAnalysis.get(e.getKey());
      if (last == null || nowMs - last >= minIntervalMs) {
        turns.add(new Turn(e.getKey(), false, e.getValue().oldestEventTimestamp));
      }
    }
    for (Map.Entry<String, Long> e : unsettled.entrySet()) {
      if (!waiting.containsKey(e.getKey()) && nowMs - e.getValue() >= settleAfterMs) {
        turns.add(new Turn(e.getKey(), true, Long.MAX_VALUE));
      }
    }
    return turns;
  }

  /**
   * Whether another analysis of this round may start now: within the round's first {@value
   * #SLICE_MS} ms while the input keeps up, on the task's share while it is behind.
   */
  public boolean mayStart() {
    return share.behind()
        ? account.available()
        : nanoClock.getAsLong() - roundStartNanos < SLICE_MS * 1_000_000L;
  }

  /** {@code turn} was analysed at {@code nowMs}, taking {@code nanos}. */
  public void done(Turn turn, long nowMs, long nanos) {
    if (share.behind()) {
      account.charge(nanos);
    }
    lastAnalysis.put(turn.experiment(), nowMs);
    waiting.remove(turn.experiment());
    if (turn.cold()) {
      unsettled.remove(turn.experiment());
    }
  }

  /** Closes this task's account (the task closes). */
  public void close() {
    account.close();
  }
}
