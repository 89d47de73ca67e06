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
 * What a run tells its experiment after a refit (internal repartition topic, key: experiment id): the run's fit, its
 * curve summary (the experiment-level analysis reads the curves across ratios) and the record timestamp of the oldest
 * event the refit newly covers (for the event-to-estimate latency). Kept per run in store {@code experiment-runs}.
 *
 * @param fit the run's latest fit
 * @param summary the run's curve summary
 * @param latestRatio the ratio of the run's latest event (differs from the fit's after a ratio change)
 * @param oldestEventTimestamp record timestamp of the oldest event first covered by this update
 */
public record RunUpdate(RunFit fit, RunSummary summary, double latestRatio, long oldestEventTimestamp) {

  private static final byte VERSION = 1;

  /** Serde for the repartition topic and the store. */
  public static final Serde<RunUpdate> SERDE = Serdes.serdeFrom(
      (Serializer<RunUpdate>) (topic, u) -> u == null ? null : u.encode(),
      (Deserializer<RunUpdate>) (topic, b) -> b == null ? null : decode(b));

  /** Binary form: version, the fit's JSON, the summary's bytes, two numbers. */
  public byte[] encode() {
    try {
      byte[] f = fit.toBytes();
      byte[] s = RunSummaryCodec.encode(summary);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(f.length + s.length + 32);
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(VERSION);
      out.writeInt(f.length);
      out.write(f);
      out.writeInt(s.length);
      out.write(s);
      out.writeDouble(latestRatio);
      out.writeLong(oldestEventTimestamp);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads {@link #encode()}'s bytes. */
  public static RunUpdate decode(byte[] b) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(b));
      byte v = in.readByte();
      if (v != VERSION) {
        throw new IllegalStateException("run update version " + v + " is not readable by this build");
      }
      byte[] f = new byte[in.readInt()];
      in.readFully(f);
      byte[] s = new byte[in.readInt()];
      in.readFully(s);
      return new RunUpdate(RunFit.fromBytes(f), RunSummaryCodec.decode(s), in.readDouble(), in.readLong());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
