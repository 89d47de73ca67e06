package io.cmrwatch.core.summary;

import io.cmrwatch.core.summary.RunSummary.Bin;
import io.cmrwatch.core.summary.RunSummary.Keyed;
import io.cmrwatch.core.summary.RunSummary.KeyedValue;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * Compact, deterministic binary form of a {@link RunSummary} (the value of the streams app's state store and its
 * changelog). Equal summaries encode to identical bytes; {@code decode(encode(s))} equals {@code s} exactly.
 *
 * <p>Layout (big-endian, version {@value #VERSION}): version byte; experiment and run (modified UTF-8); the earliest
 * and latest event (key and values); the base-loss-conflict flag; the ratio-change tokens; the last event time; four
 * keyed settings (budget, ε, λ, token unit); then the bins: index, count, max tokens, five 128-bit sums (high word as
 * a var-int, usually one byte; low word 8 bytes) and the fingerprints.
 */
public final class RunSummaryCodec {

  /** Format version written as the first byte. */
  public static final int VERSION = 1;

  private RunSummaryCodec() {}

  /** Encodes a summary. */
  public static byte[] encode(RunSummary s) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + 64 * s.binCount());
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeUTF(s.experiment());
      out.writeUTF(s.run());
      writeKeyed(out, s.first());
      writeKeyed(out, s.latest());
      out.writeBoolean(s.baseLossConflict());
      out.writeLong(s.changeTokensRaw());
      Instant t = s.lastEventTime();
      out.writeBoolean(t != null);
      if (t != null) {
        out.writeLong(t.getEpochSecond());
        out.writeInt(t.getNano());
      }
      for (KeyedValue v : s.settings()) {
        out.writeBoolean(v != null);
        if (v != null) {
          out.writeDouble(v.value);
          out.writeLong(v.tokens);
          out.writeUTF(v.eventId);
        }
      }
      writeVarLong(out, s.bins.size());
      for (Bin b : s.bins.values()) {
        writeVarLong(out, b.index);
        writeVarLong(out, b.count);
        writeVarLong(out, b.maxTokens);
        for (Int128 v : new Int128[] {b.sumTokens, b.sumGen, b.sumSqGen, b.sumDom, b.sumSqDom}) {
          writeVarLong(out, zigzag(v.hi));
          out.writeLong(v.lo);
        }
        writeVarLong(out, b.fingerprints.length);
        for (long fp : b.fingerprints) {
          out.writeLong(fp);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Decodes bytes written by {@link #encode(RunSummary)}.
   *
   * @throws IllegalArgumentException when the bytes are not a summary of a known version
   */
  public static RunSummary decode(byte[] data) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new IllegalArgumentException("run summary format version " + version + " is not supported (reads "
            + VERSION + ")");
      }
      RunSummary s = new RunSummary(in.readUTF(), in.readUTF());
      Keyed first = readKeyed(in);
      Keyed latest = readKeyed(in);
      boolean conflict = in.readBoolean();
      long change = in.readLong();
      Instant t = in.readBoolean() ? Instant.ofEpochSecond(in.readLong(), in.readInt()) : null;
      KeyedValue[] settings = new KeyedValue[4];
      for (int i = 0; i < 4; i++) {
        settings[i] = in.readBoolean() ? new KeyedValue(in.readDouble(), in.readLong(), in.readUTF()) : null;
      }
      s.restore(first, conflict, change, latest, t, settings);
      long n = readVarLong(in);
      if (n < 0 || n > TokenBins.MAX_INDEX + 1) {
        throw new IllegalArgumentException("corrupt run summary: " + n + " bins");
      }
      for (int i = 0; i < n; i++) {
        int index = (int) readVarLong(in);
        if (index < 0 || index > TokenBins.MAX_INDEX) {
          throw new IllegalArgumentException("corrupt run summary: bin index " + index);
        }
        Bin b = new Bin(index);
        b.count = readVarLong(in);
        b.maxTokens = readVarLong(in);
        for (Int128 v : new Int128[] {b.sumTokens, b.sumGen, b.sumSqGen, b.sumDom, b.sumSqDom}) {
          v.hi = unzigzag(readVarLong(in));
          v.lo = in.readLong();
        }
        int fps = (int) readVarLong(in);
        if (fps < 0 || fps > RunSummary.FINGERPRINTS_PER_BIN) {
          throw new IllegalArgumentException("corrupt run summary: " + fps + " fingerprints in a bin");
        }
        b.fingerprints = new long[fps];
        for (int j = 0; j < fps; j++) {
          b.fingerprints[j] = in.readLong();
        }
        s.bins.put(index, b);
      }
      if (in.read() != -1) {
        throw new IllegalArgumentException("corrupt run summary: trailing bytes");
      }
      return s;
    } catch (IOException e) {
      throw new IllegalArgumentException("corrupt run summary: " + e, e);
    }
  }

  private static void writeKeyed(DataOutputStream out, Keyed k) throws IOException {
    out.writeBoolean(k != null);
    if (k != null) {
      out.writeLong(k.tokens);
      out.writeUTF(k.eventId);
      out.writeDouble(k.ratio);
      out.writeDouble(k.generalLoss);
      out.writeDouble(k.domainLoss);
      out.writeDouble(k.baseGeneral);
      out.writeDouble(k.baseDomain);
    }
  }

  private static Keyed readKeyed(DataInputStream in) throws IOException {
    if (!in.readBoolean()) {
      return null;
    }
    return new Keyed(in.readLong(), in.readUTF(), in.readDouble(), in.readDouble(), in.readDouble(),
        in.readDouble(), in.readDouble());
  }

  private static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  private static long unzigzag(long v) {
    return (v >>> 1) ^ -(v & 1);
  }

  // Unsigned LEB128.
  private static void writeVarLong(DataOutputStream out, long v) throws IOException {
    while ((v & ~0x7FL) != 0) {
      out.writeByte((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.writeByte((int) v);
  }

  private static long readVarLong(DataInputStream in) throws IOException {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = in.readUnsignedByte();
      v |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    throw new IOException("var-int longer than 10 bytes");
  }
}
