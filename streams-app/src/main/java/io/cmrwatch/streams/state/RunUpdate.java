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
 * What a run tells its experiment after a refit (internal repartition topic, key: experiment id): the run's id and
 * ratios, its fit, its curve summary (the experiment-level analysis reads the curves across ratios) and the record
 * timestamp of the oldest event the refit newly covers (for the event-to-estimate latency). Kept per run in store
 * {@code experiment-runs}.
 *
 * <p>Built for a hot path: the binary form carries the run id and ratios in its header and the fit as its
 * {@code cpt.run-fits} JSON, parsed only when {@link #fit()} is asked for; an update read from bytes is written back
 * as the same bytes.
 */
public final class RunUpdate {

  private static final byte VERSION_1 = 1;
  private static final byte VERSION = 2;

  /** Serde for the repartition topic and the store. */
  public static final Serde<RunUpdate> SERDE = Serdes.serdeFrom(
      (Serializer<RunUpdate>) (topic, u) -> u == null ? null : u.encode(),
      (Deserializer<RunUpdate>) (topic, b) -> b == null ? null : decode(b));

  private final String run;
  private final double ratio;
  private final double latestRatio;
  private final long oldestEventTimestamp;
  private final RunSummary summary;
  private final byte[] fitJson;
  private RunFit fit;
  private byte[] encoded;

  private RunUpdate(String run, double ratio, double latestRatio, long oldestEventTimestamp, RunSummary summary,
      byte[] fitJson, RunFit fit, byte[] encoded) {
    this.run = run;
    this.ratio = ratio;
    this.latestRatio = latestRatio;
    this.oldestEventTimestamp = oldestEventTimestamp;
    this.summary = summary;
    this.fitJson = fitJson;
    this.fit = fit;
    this.encoded = encoded;
  }

  /**
   * An update from a refit.
   *
   * @param fit the run's latest fit
   * @param fitJson {@code fit}'s JSON ({@link RunFit#toBytes()}), as already encoded for {@code cpt.run-fits}
   * @param summary the run's curve summary
   * @param latestRatio the ratio of the run's latest event (differs from the fit's after a ratio change)
   * @param oldestEventTimestamp record timestamp of the oldest event first covered by this update
   */
  public RunUpdate(RunFit fit, byte[] fitJson, RunSummary summary, double latestRatio, long oldestEventTimestamp) {
    this(fit.run(), fit.ratio(), latestRatio, oldestEventTimestamp, summary, fitJson, fit, null);
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

  /** The run's latest fit (parsed from its JSON on first use). */
  public RunFit fit() {
    if (fit == null) {
      fit = RunFit.fromBytes(fitJson);
    }
    return fit;
  }

  /** Binary form: version, run id, ratios, timestamp, the fit's JSON, the summary's bytes. */
  public byte[] encode() {
    if (encoded != null) {
      return encoded;
    }
    try {
      byte[] s = RunSummaryCodec.encode(summary);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(fitJson.length + s.length + 64);
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(VERSION);
      out.writeUTF(run);
      out.writeDouble(ratio);
      out.writeDouble(latestRatio);
      out.writeLong(oldestEventTimestamp);
      out.writeInt(fitJson.length);
      out.write(fitJson);
      out.writeInt(s.length);
      out.write(s);
      out.flush();
      encoded = bytes.toByteArray();
      return encoded;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads {@link #encode()}'s bytes (and the previous layout, version 1). */
  public static RunUpdate decode(byte[] b) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(b));
      byte v = in.readByte();
      if (v == VERSION_1) {
        // version 1: fit JSON, summary, latest ratio, timestamp.
        byte[] f = new byte[in.readInt()];
        in.readFully(f);
        byte[] s = new byte[in.readInt()];
        in.readFully(s);
        RunFit fit = RunFit.fromBytes(f);
        return new RunUpdate(fit, f, RunSummaryCodec.decode(s), in.readDouble(), in.readLong());
      }
      if (v != VERSION) {
        throw new IllegalStateException("run update version " + v + " is not readable by this build");
      }
      String run = in.readUTF();
      double ratio = in.readDouble();
      double latestRatio = in.readDouble();
      long oldest = in.readLong();
      byte[] f = new byte[in.readInt()];
      in.readFully(f);
      byte[] s = new byte[in.readInt()];
      in.readFully(s);
      return new RunUpdate(run, ratio, latestRatio, oldest, RunSummaryCodec.decode(s), f, null, b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
