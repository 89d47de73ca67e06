package io.cmrwatch.streams.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.cmrwatch.core.cmr.RunEstimate;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.core.summary.RunSummaryCodec;
import io.cmrwatch.streams.alert.AlertKind;
import io.cmrwatch.streams.json.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.Map;

/**
 * One run of an experiment as the topology keeps it (store {@code runs}, key {@code experiment +
 * '\0' + run}): core's bounded curve summary (which makes the run idempotent on event ids), the
 * ratio it trains at now, when it last reported, its firing alerts, the ratio last advised to it,
 * and its fit as last published on {@code cpt.run-fits}. Mutable; owned by the stream thread of its
 * experiment's task. Stored in parts by {@link RunStateStore}: a head, the published fit, one
 * record per summary bin.
 */
public final class RunState {

  private static final byte HEAD_VERSION = 3;

  private final RunSummary summary;

  /** Ratio of the event with the largest tokens (what the run trains at now, after any change). */
  public double latestRatio = Double.NaN;

  /** Tokens of the event that set {@link #latestRatio}. */
  public long latestRatioTokens = -1;

  /** Wall-clock ms of the last (non-duplicate) event; drives stall detection. */
  public long lastEventWallMs;

  /** The ratio last advised to the run on {@code cpt.ratio-advice}; NaN when none stands. */
  public double advisedRatio = Double.NaN;

  /** Alerts of this run now firing, with the wall-clock ms they started. */
  public final Map<AlertKind, Long> firing = new EnumMap<>(AlertKind.class);

  /**
   * Per alert kind, the analyses in a row whose condition points to its next transition (for the
   * kinds that wait for several, {@link io.cmrwatch.streams.alert.AlertPolicy#onFit}).
   */
  public final Map<AlertKind, Integer> pending = new EnumMap<>(AlertKind.class);

  /**
   * The run's fit as last published on {@code cpt.run-fits}, or null; set through {@link #publish}.
   */
  private RunEstimate publishedFit;

  private byte[] publishedFitBytes;

  /** Wall-clock ms the published fit was published. */
  private long publishedFitWallMs;

  /**
   * The run's result in the experiment's latest analysis (not stored: until the first analysis
   * after a restart, the published fit).
   */
  public RunEstimate fit;

  /** Whether the run absorbed events since the experiment's last analysis (not stored). */
  public boolean changedSinceAnalysis;

  // What the store must write at the next commit: the head always, the fit and bins when changed.
  private final BitSet storedBins = new BitSet();
  private final BitSet dirtyBins = new BitSet();
  private boolean allBinsDirty = true;
  private boolean fitDirty;

  public RunState(RunSummary summary) {
    this.summary = summary;
  }

  /** An empty state for a new run. */
  public static RunState of(String experiment, String run) {
    return new RunState(new RunSummary(experiment, run));
  }

  /** The run's curve summary (core). */
  public RunSummary summary() {
    return summary;
  }

  /** The fit last published, or null. */
  public RunEstimate publishedFit() {
    return publishedFit;
  }

  /** Wall-clock ms of the last publication of the fit (0 before the first). */
  public long publishedFitWallMs() {
    return publishedFitWallMs;
  }

  /** Records {@code f} as the published fit, at {@code wallMs}. */
  public void publish(RunEstimate f, long wallMs) {
    publishedFit = f;
    publishedFitBytes = null;
    publishedFitWallMs = wallMs;
    fitDirty = true;
  }

  /**
   * About how many heap bytes this state holds, for a memory budget: its summary and 4 KB for its
   * fits and the rest.
   */
  public long heapBytesEstimate() {
    return 4096 + summary.heapBytesEstimate();
  }

  /** Marks the summary bin at {@code index} as changed (an event fell into it). */
  public void markBin(int index) {
    dirtyBins.set(index);
  }

  /** Marks every summary bin as changed (e.g. a ratio change dropped some). */
  public void markAllBins() {
    allBinsDirty = true;
  }

  /**
   * Visits the parts to write: what changed since the last visit (the head always), then marks them
   * written.
   */
  void writeParts(PartWriter out) {
    out.head(encodeHead());
    if (fitDirty) {
      out.fit(fitBytes());
      fitDirty = false;
    }
    if (allBinsDirty) {
      BitSet now = new BitSet();
      for (int index : RunSummaryCodec.binIndexes(summary)) {
        now.set(index);
        out.bin(index, RunSummaryCodec.encodeBin(summary, index));
      }
      BitSet gone = (BitSet) storedBins.clone();
      gone.andNot(now);
      gone.stream().forEach(i -> out.bin(i, null));
      storedBins.clear();
      storedBins.or(now);
      allBinsDirty = false;
    } else {
      dirtyBins.stream()
          .forEach(
              i -> {
                byte[] bin = RunSummaryCodec.encodeBin(summary, i);
                out.bin(i, bin);
                storedBins.set(i, bin != null);
              });
    }
    dirtyBins.clear();
  }

  /** Receives the parts of {@link #writeParts}. */
  interface PartWriter {
    /** The head: bookkeeping, alerts and the summary without its bins. */
    void head(byte[] head);

    /** The published fit's JSON (core's {@code RunEstimate}). */
    void fit(byte[] fit);

    /** The summary bin at {@code index}, or null when the bin is gone. */
    void bin(int index, byte[] bin);
  }

  private byte[] fitBytes() {
    if (publishedFitBytes == null && publishedFit != null) {
      try {
        publishedFitBytes = Json.MAPPER.writeValueAsBytes(publishedFit);
      } catch (JsonProcessingException e) {
        throw new UncheckedIOException(e);
      }
    }
    return publishedFitBytes;
  }

  private byte[] encodeHead() {
    try {
      byte[] s = RunSummaryCodec.encodeHead(summary);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length + 64);
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(HEAD_VERSION);
      out.writeInt(s.length);
      out.write(s);
      out.writeDouble(latestRatio);
      out.writeLong(latestRatioTokens);
      out.writeLong(lastEventWallMs);
      out.writeDouble(advisedRatio);
      out.writeLong(publishedFitWallMs);
      // Alert kinds by code, not ordinal: kinds may be added in any order.
      out.writeByte(firing.size());
      for (Map.Entry<AlertKind, Long> e : firing.entrySet()) {
        out.writeUTF(e.getKey().code());
        out.writeLong(e.getValue());
      }
      // Added after the firing alerts: a head written before has none, and reads as none.
      out.writeByte(pending.size());
      for (Map.Entry<AlertKind, Integer> e : pending.entrySet()) {
        out.writeUTF(e.getKey().code());
        out.writeInt(e.getValue());
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A state from its stored parts (the fit may be null; bins in any order). */
  static RunState fromParts(byte[] head, byte[] fit, Map<Integer, byte[]> bins) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(head));
      byte v = in.readByte();
      if (v != HEAD_VERSION) {
        throw new IllegalStateException(
            "run state head version " + v + " is not readable by this build");
      }
      byte[] s = new byte[in.readInt()];
      in.readFully(s);
      RunState st = new RunState(RunSummaryCodec.decodeParts(s, bins.values()));
      st.latestRatio = in.readDouble();
      st.latestRatioTokens = in.readLong();
      st.lastEventWallMs = in.readLong();
      st.advisedRatio = in.readDouble();
      st.publishedFitWallMs = in.readLong();
      int n = in.readUnsignedByte();
      for (int i = 0; i < n; i++) {
        st.firing.put(AlertKind.byCode(in.readUTF()), in.readLong());
      }
      int p = in.available() > 0 ? in.readUnsignedByte() : 0;
      for (int i = 0; i < p; i++) {
        st.pending.put(AlertKind.byCode(in.readUTF()), in.readInt());
      }
      if (fit != null) {
        st.publishedFit = Json.MAPPER.readValue(fit, RunEstimate.class);
        st.publishedFitBytes = fit;
        st.fit = st.publishedFit;
      }
      bins.keySet().forEach(st.storedBins::set);
      st.allBinsDirty = false;
      return st;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
