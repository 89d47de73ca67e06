package io.cmrwatch.streams.state;

import io.cmrwatch.core.cmr.RunEstimate;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.core.summary.RunSummaryCodec;
import io.cmrwatch.streams.alert.AlertKind;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The per-run state of the topology (store {@code run-state}, key: run id): core's bounded curve
 * summary (which makes the run idempotent on event ids), the refit throttle's bookkeeping, the
 * latest fit, and which per-run alerts are firing. Mutable; owned by the stream thread of the run's
 * task. Serialised with {@link #SERDE} (a versioned binary layout embedding core's exact summary
 * bytes).
 */
public final class RunState {

  private static final byte VERSION = 1;

  /** Serde of the state store values. */
  public static final Serde<RunState> SERDE =
      Serdes.serdeFrom(
          (Serializer<RunState>) (topic, s) -> s == null ? null : s.encode(),
          (Deserializer<RunState>) (topic, b) -> b == null ? null : decode(b));

  private final RunSummary summary;

  /** Ratio of the event with the largest tokens (what the run trains at now, after any change). */
  public double latestRatio = Double.NaN;

  /** Tokens of the event that set {@link #latestRatio}. */
  public long latestRatioTokens = -1;

  /** Wall-clock ms of the last (non-duplicate) event; drives stall detection. */
  public long lastEventWallMs;

  /** Events absorbed since the last refit. */
  public int pending;

  /**
   * Smallest record timestamp among the events since the last refit; {@code Long.MAX_VALUE} when
   * none.
   */
  public long oldestPendingTimestamp = Long.MAX_VALUE;

  /** Wall-clock ms of the last refit; 0 before the first. */
  public long lastRefitWallMs;

  /** The latest fit, or null before the first. */
  public RunFit fit;

  /**
   * Core's object behind {@link #fit} while the state stays in memory (not stored: after a restart
   * the next warm start reads the fit's JSON instead).
   */
  public RunEstimate fitCore;

  // The fit's JSON, encoded once per fit rather than at every store write of the run.
  private RunFit encodedFit;
  private byte[] encodedFitBytes;

  /**
   * The processor's in-memory companions of this state (not stored): its store key and its metric
   * series.
   */
  public transient String storeKey;

  /** The run's metric series, once looked up (null: not yet, or past the cap of exported runs). */
  public transient Object gauges;

  /** Whether {@link #gauges} was looked up. */
  public transient boolean gaugesResolved;

  /**
   * The firing alerts last reported to the metrics, as a bit set of alert ordinals; -1 before the
   * first report.
   */
  public transient int reportedAlerts = -1;

  /** Per-run alerts now firing, with the wall-clock ms they started. */
  public final Map<AlertKind, Long> firing = new EnumMap<>(AlertKind.class);

  public RunState(RunSummary summary) {
    this.summary = summary;
  }

  /** An empty state for a new run. */
  public static RunState of(String experiment, String run) {
    return new RunState(new RunSummary(experiment, run));
  }

  /** The latest fit's JSON bytes (the {@code cpt.run-fits} value), or null before the first fit. */
  public byte[] fitBytes() {
    if (fit == null) {
      return null;
    }
    if (encodedFit != fit) {
      encodedFitBytes = fit.toBytes();
      encodedFit = fit;
    }
    return encodedFitBytes;
  }

  /** The run's curve summary (core). */
  public RunSummary summary() {
    return summary;
  }

  /**
   * About how many heap bytes this state holds, for a memory budget: its summary, its fit's JSON
   * when encoded, and 4 KB for the fit's objects and the rest.
   */
  public long heapBytesEstimate() {
    return 4096
        + summary.heapBytesEstimate()
        + (encodedFitBytes == null ? 0 : encodedFitBytes.length);
  }

  // --- piecewise storage (RunStateStore): a head, the fit, one part per summary bin; only changed
  // parts are written

  private static final byte HEAD_VERSION = 2;

  /**
   * The store's record of bins of this state (bit per bin index) and what changed since it was
   * written.
   */
  private final BitSet storedBins = new BitSet();

  private final BitSet dirtyBins = new BitSet();
  private boolean allBinsDirty = true;
  private boolean fitDirty = true;

  /** Marks the summary bin at {@code index} as changed (an event fell into it). */
  public void markBin(int index) {
    dirtyBins.set(index);
  }

  /** Marks every summary bin as changed (e.g. a ratio change dropped bins). */
  public void markAllBins() {
    allBinsDirty = true;
  }

  /** Marks the fit as changed. */
  public void markFit() {
    fitDirty = true;
  }

  /**
   * Visits the parts to write: what changed since the last visit (the head always), then marks them
   * written.
   */
  public void writeParts(PartWriter out) {
    out.head(encodeHead());
    if (fitDirty) {
      if (fit != null) {
        out.fit(fitBytes());
      }
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
  public interface PartWriter {
    /** The head: bookkeeping, alerts and the summary without its bins. */
    void head(byte[] head);

    /** The fit's JSON. */
    void fit(byte[] fit);

    /** The summary bin at {@code index}, or null when the bin is gone. */
    void bin(int index, byte[] bin);
  }

  private byte[] encodeHead() {
    try {
      byte[] s = RunSummaryCodec.encodeHead(summary);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length + 96);
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(HEAD_VERSION);
      out.writeInt(s.length);
      out.write(s);
      writeBookkeeping(out);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A state from its stored parts (the fit may be null; bins in any order). */
  public static RunState fromParts(byte[] head, byte[] fit, Map<Integer, byte[]> bins) {
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
      st.readBookkeeping(in);
      if (fit != null) {
        st.fit = RunFit.fromBytes(fit);
        st.encodedFit = st.fit;
        st.encodedFitBytes = fit;
      }
      bins.keySet().forEach(st.storedBins::set);
      st.allBinsDirty = false;
      st.fitDirty = false;
      return st;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void writeBookkeeping(DataOutputStream out) throws IOException {
    writeCounters(out);
    writeFiring(out);
  }

  private void writeCounters(DataOutputStream out) throws IOException {
    out.writeDouble(latestRatio);
    out.writeLong(latestRatioTokens);
    out.writeLong(lastEventWallMs);
    out.writeInt(pending);
    out.writeLong(oldestPendingTimestamp);
    out.writeLong(lastRefitWallMs);
  }

  private void writeFiring(DataOutputStream out) throws IOException {
    out.writeByte(firing.size());
    for (Map.Entry<AlertKind, Long> e : firing.entrySet()) {
      out.writeByte(e.getKey().ordinal());
      out.writeLong(e.getValue());
    }
  }

  private void readBookkeeping(DataInputStream in) throws IOException {
    readCounters(in);
    readFiring(in);
  }

  private void readCounters(DataInputStream in) throws IOException {
    latestRatio = in.readDouble();
    latestRatioTokens = in.readLong();
    lastEventWallMs = in.readLong();
    pending = in.readInt();
    oldestPendingTimestamp = in.readLong();
    lastRefitWallMs = in.readLong();
  }

  private void readFiring(DataInputStream in) throws IOException {
    int n = in.readByte();
    AlertKind[] kinds = AlertKind.values();
    for (int i = 0; i < n; i++) {
      firing.put(kinds[in.readByte()], in.readLong());
    }
  }

  /** Binary form: version, summary bytes, bookkeeping, the fit's JSON, the firing alerts. */
  public byte[] encode() {
    try {
      byte[] s = RunSummaryCodec.encode(summary);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length + 512);
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(VERSION);
      out.writeInt(s.length);
      out.write(s);
      writeCounters(out);
      if (fit == null) {
        out.writeInt(-1);
      } else {
        byte[] f = fitBytes();
        out.writeInt(f.length);
        out.write(f);
      }
      writeFiring(out);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads {@link #encode()}'s bytes. */
  public static RunState decode(byte[] b) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(b));
      byte v = in.readByte();
      if (v != VERSION) {
        throw new IllegalStateException(
            "run state version " + v + " is not readable by this build");
      }
      byte[] s = new byte[in.readInt()];
      in.readFully(s);
      RunState st = new RunState(RunSummaryCodec.decode(s));
      st.readCounters(in);
      int fl = in.readInt();
      if (fl >= 0) {
        byte[] f = new byte[fl];
        in.readFully(f);
        st.fit = RunFit.fromBytes(f);
        st.encodedFit = st.fit;
        st.encodedFitBytes = f;
      }
      st.readFiring(in);
      return st;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
