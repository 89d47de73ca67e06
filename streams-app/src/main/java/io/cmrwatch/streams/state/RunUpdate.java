package io.cmrwatch.streams.state;

import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.core.summary.RunSummaryCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What a run tells its experiment after a refit (internal repartition topic, key: experiment id):
 * the run's id and ratios, its curve summary (the experiment-level analysis reads the curves across
 * ratios; the shared analyzer finds the run step's fit of the same summary) and the record
 * timestamp of the oldest event the refit newly covers (for the event-to-estimate latency). Kept
 * per run in store {@code experiment-runs}. The summary travels as an analysis reads it ({@link
 * RunSummaryCodec#encodeForAnalysis}): without the event fingerprints that only the run step's
 * deduplication needs, which are most of a long run's summary.
 *
 * <p>Built for a hot path: the binary form carries the run id and ratios in a header before the
 * summary, and an update read from bytes is written back as the same bytes. The fit itself goes to
 * {@code cpt.run-fits}, not here (versions 1 and 2 carried its JSON, which nothing on this side
 * read: ~40 % of every update, written to the repartition topic, read back and written again to the
 * store's changelog).
 */
public final class RunUpdate {

  private static final byte VERSION_1 = 1;
  private static final byte VERSION_2 = 2;
  private static final byte VERSION = 3;

  /** Serde for the repartition topic and the store. */
  public static final Serde<RunUpdate> SERDE =
      Serdes.serdeFrom(
          (Serializer<RunUpdate>) (topic, u) -> u == null ? null : u.encode(),
          (Deserializer<RunUpdate>) (topic, b) -> b == null ? null : decode(b));

  private final String run;
  private final double ratio;
  private final double latestRatio;
  private final long oldestEventTimestamp;
  private final RunSummary summary;
  private byte[] encoded;

  private RunUpdate(
      String run,
      double ratio,
      double latestRatio,
      long oldestEventTimestamp,
      RunSummary summary,
      byte[] encoded) {
    this.run = run;
    this.ratio = ratio;
    this.latestRatio = latestRatio;
    this.oldestEventTimestamp = oldestEventTimestamp;
    this.summary = summary;
    this.encoded = encoded;
  }

  /**
   * An update from a refit.
   *
   * @param fit the run's latest fit (for its run id and ratio)
   * @param summary the run's curve summary
   * @param latestRatio the ratio of the run's latest event (differs from the fit's after a ratio
   *     change)
   * @param oldestEventTimestamp record timestamp of the oldest event first covered by this update
   */
  public RunUpdate(RunFit fit, RunSummary summary, double latestRatio, long oldestEventTimestamp) {
    this(fit.run(), fit.ratio(), latestRatio, oldestEventTimestamp, summary, null);
  }

  /** The run id. */
  public String run() {
    return run;
  }

  /** The ratio of the run's fit (of its constant-ratio data). */
  public double ratio() {
    return ratio;
  }

  /** The ratio of the run's latest event (differs from {@link #ratio()} after a ratio change). */
  public double latestRatio() {
    return latestRatio;
  }

  /** Record timestamp of the oldest event first covered by this update. */
  public long oldestEventTimestamp() {
    return oldestEventTimestamp;
  }

  /** The run's curve summary. */
  public RunSummary summary() {
    return summary;
  }

  /**
   * About how many heap bytes this update holds (its decoded summary and its bytes), for a memory
   * budget.
   */
  public long heapBytesEstimate() {
    return 256 + summary.heapBytesEstimate() + (encoded == null ? 0 : encoded.length);
  }

  /** Binary form: version, run id, ratios, timestamp, the summary's bytes for analysis. */
  public byte[] encode() {
    if (encoded != null) {
      return encoded;
    }
    try {
      byte[] s = RunSummaryCodec.encodeForAnalysis(summary);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length + 64);
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(VERSION);
      out.writeUTF(run);
      out.writeDouble(ratio);
      out.writeDouble(latestRatio);
      out.writeLong(oldestEventTimestamp);
      out.writeInt(s.length);
      out.write(s);
      out.flush();
      encoded = bytes.toByteArray();
      return encoded;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads {@link #encode()}'s bytes, and the earlier layouts (versions 1 and 2, whose fit JSON is
   * skipped).
   */
  public static RunUpdate decode(byte[] b) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(b));
      byte v = in.readByte();
      if (v == VERSION_1) {
        // version 1: fit JSON, summary, latest ratio, timestamp (run id and ratio from the fit).
        byte[] f = new byte[in.readInt()];
        in.readFully(f);
        byte[] s = new byte[in.readInt()];
        in.readFully(s);
        RunFit fit = RunFit.fromBytes(f);
        return new RunUpdate(fit, RunSummaryCodec.decode(s), in.readDouble(), in.readLong());
      }
      if (v != VERSION && v != VERSION_2) {
        throw new IllegalStateException(
            "run update version " + v + " is not readable by this build");
      }
      String run = in.readUTF();
      double ratio = in.readDouble();
      double latestRatio = in.readDouble();
      long oldest = in.readLong();
      if (v == VERSION_2) {
        in.skipNBytes(in.readInt()); // the fit's JSON
      }
      byte[] s = new byte[in.readInt()];
      in.readFully(s);
      return new RunUpdate(
          run, ratio, latestRatio, oldest, RunSummaryCodec.decode(s), v == VERSION ? b : null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
