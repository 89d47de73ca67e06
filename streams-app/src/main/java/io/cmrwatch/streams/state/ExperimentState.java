package io.cmrwatch.streams.state;

import io.cmrwatch.core.cmr.EstimateJson;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What an experiment keeps besides its runs (store {@code experiments}, key: experiment id): the
 * ids of its runs, its CMR estimate as last published on {@code cpt.cmr-estimates} (core's JSON,
 * written once per publication; read back only when needed), when it was published, and the range
 * of sequence numbers of its published estimates' history (the points are records of their own, in
 * store {@code estimate-history}). Written when a run joins or an estimate is published, not at
 * every analysis. Mutable; owned by the stream thread of the experiment's task.
 */
public final class ExperimentState {

  private static final byte VERSION = 1;

  /** Serde of the store's values. */
  public static final Serde<ExperimentState> SERDE =
      Serdes.serdeFrom(
          (Serializer<ExperimentState>) (topic, s) -> s == null ? null : s.encode(),
          (Deserializer<ExperimentState>) (topic, b) -> b == null ? null : decode(b));

  private final String experiment;
  private final SortedSet<String> runs = new TreeSet<>();
  private ExperimentEstimate published;
  private byte[] publishedJson;
  private long publishedWallMs;
  // The published estimate's status and numbers, readable without parsing its JSON (listing).
  private String status = "";
  private double cmr = Double.NaN;
  private double cmrLow = Double.NaN;
  private double cmrHigh = Double.NaN;

  /** Sequence number of the oldest history point kept. */
  private long historyFirst;

  /** Sequence number the next published estimate's history point gets. */
  private long historyNext;

  public ExperimentState(String experiment) {
    this.experiment = experiment;
  }

  /** The experiment id. */
  public String experiment() {
    return experiment;
  }

  /** Its runs' ids, sorted (read-only). */
  public SortedSet<String> runs() {
    return Collections.unmodifiableSortedSet(runs);
  }

  /** Adds a run id; returns whether it was new. */
  public boolean addRun(String run) {
    return runs.add(run);
  }

  /** The estimate last published, or null before the first (parsed on first use after a read). */
  public ExperimentEstimate published() {
    if (published == null && publishedJson != null) {
      published = EstimateJson.read(new String(publishedJson, StandardCharsets.UTF_8));
    }
    return published;
  }

  /** The published estimate's JSON (as on {@code cpt.cmr-estimates}), or null. */
  public byte[] publishedJson() {
    return publishedJson;
  }

  /** When the estimate was published, or null before the first. */
  public Instant publishedAt() {
    return publishedJson == null ? null : Instant.ofEpochMilli(publishedWallMs);
  }

  /** The published estimate's status, or {@code ""} before the first. */
  public String status() {
    return status;
  }

  /** The published CMR; NaN when there is none. */
  public double cmr() {
    return cmr;
  }

  /** The lower end of the published CMR's interval; NaN when there is none. */
  public double cmrLow() {
    return cmrLow;
  }

  /** The upper end of the published CMR's interval; NaN when there is none. */
  public double cmrHigh() {
    return cmrHigh;
  }

  /**
   * Records {@code e} (encoded as {@code json}) as published at {@code wallMs}; returns the
   * sequence number of its history point.
   */
  public long publish(ExperimentEstimate e, byte[] json, long wallMs) {
    published = e;
    publishedJson = json;
    publishedWallMs = wallMs;
    status = e.status();
    cmr = orNaN(e.cmr());
    cmrLow = orNaN(e.cmrLow());
    cmrHigh = orNaN(e.cmrHigh());
    return historyNext++;
  }

  /**
   * The sequence numbers of history points beyond the newest {@code keep}, oldest first, which the
   * caller deletes; they are dropped from the range.
   */
  public long[] trimHistory(int keep) {
    int n = (int) Math.max(0, historyNext - historyFirst - keep);
    long[] gone = new long[n];
    for (int i = 0; i < n; i++) {
      gone[i] = historyFirst++;
    }
    return gone;
  }

  private static double orNaN(Double v) {
    return v == null ? Double.NaN : v;
  }

  /**
   * About how many heap bytes this state holds, for a memory budget: its fields and run ids, its
   * published estimate's JSON, and core's objects of it (~1.6 heap bytes a JSON byte, measured).
   */
  public long heapBytesEstimate() {
    int json = publishedJson == null ? 0 : publishedJson.length;
    return 512 + 96L * runs.size() + json + (published == null ? 0 : 2L * json);
  }

  byte[] encode() {
    try {
      ByteArrayOutputStream bytes =
          new ByteArrayOutputStream(256 + (publishedJson == null ? 0 : publishedJson.length));
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(VERSION);
      out.writeUTF(experiment);
      out.writeInt(runs.size());
      for (String r : runs) {
        out.writeUTF(r);
      }
      out.writeLong(historyFirst);
      out.writeLong(historyNext);
      out.writeLong(publishedWallMs);
      out.writeUTF(status);
      out.writeDouble(cmr);
      out.writeDouble(cmrLow);
      out.writeDouble(cmrHigh);
      out.writeInt(publishedJson == null ? -1 : publishedJson.length);
      if (publishedJson != null) {
        out.write(publishedJson);
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ExperimentState decode(byte[] b) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(b));
      byte v = in.readByte();
      if (v != VERSION) {
        throw new IllegalStateException(
            "experiment state version " + v + " is not readable by this build");
      }
      ExperimentState s = new ExperimentState(in.readUTF());
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        s.runs.add(in.readUTF());
      }
      s.historyFirst = in.readLong();
      s.historyNext = in.readLong();
      s.publishedWallMs = in.readLong();
      s.status = in.readUTF();
      s.cmr = in.readDouble();
      s.cmrLow = in.readDouble();
      s.cmrHigh = in.readDouble();
      int json = in.readInt();
      if (json >= 0) {
        s.publishedJson = in.readNBytes(json);
      }
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
