package io.cmrwatch.core.summary;

import io.cmrwatch.core.summary.RunSummary.Bin;
import io.cmrwatch.core.summary.RunSummary.Keyed;
import io.cmrwatch.core.summary.RunSummary.KeyedValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * Compact, deterministic binary form of a {@link RunSummary} (the value of the streams app's state
 * store and its changelog). Equal summaries encode to identical bytes; {@code decode(encode(s))}
 * equals {@code s} exactly.
 *
 * <p>Layout (big-endian, version {@value #VERSION}): version byte; experiment and run (modified
 * UTF-8); the earliest and latest event (key and values); the base-loss-conflict flag; the
 * ratio-change tokens; the last event time; four keyed settings (budget, ε, λ, token unit); then
 * the bins: index, count, max tokens, five 128-bit sums (high word as a var-int, usually one byte;
 * low word 8 bytes) and the fingerprints.
 *
 * <p>{@link #encodeForAnalysis} writes the same layout under version {@value #ANALYSIS_VERSION},
 * without the fingerprints: all that an analysis reads, for a summary sent on to be analysed
 * elsewhere (the fingerprints only serve the deduplication of further events, and a long run's bins
 * are mostly fingerprints). Such a summary decodes {@linkplain RunSummary#analysisOnly() for
 * analysis only}: it refuses further events.
 */
public final class RunSummaryCodec {

  /** Format version written as the first byte. */
  public static final int VERSION = 1;

  /** Version byte of {@link #encodeForAnalysis}: version 1 without the fingerprints. */
  public static final int ANALYSIS_VERSION = 2;

  /** Version byte of the head and bin parts ({@link #encodeHead}, {@link #encodeBin}). */
  public static final int PART_VERSION = 1;

  private RunSummaryCodec() {}

  /**
   * Encodes a summary (of a summary decoded for analysis only, its {@link #encodeForAnalysis}
   * bytes).
   */
  public static byte[] encode(RunSummary s) {
    return encode(s, !s.analysisOnly());
  }

  /**
   * Encodes what an analysis of the summary reads: everything but the fingerprints. Equal for
   * summaries whose analyses are equal, whatever events were deduplicated on the way: what {@link
   * RunSummary#contentHash()} hashes.
   */
  public static byte[] encodeForAnalysis(RunSummary s) {
    return encode(s, false);
  }

  private static byte[] encode(RunSummary s, boolean fingerprints) {
    BinaryWriter out = new BinaryWriter(256 + 96 * s.binCount());
    try {
      out.writeByte(fingerprints ? VERSION : ANALYSIS_VERSION);
      writeHead(out, s);
      out.writeVarLong(s.bins.size());
      for (Bin b : s.bins.values()) {
        writeBin(out, b, fingerprints);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * The summary without its bins (ids, earliest and latest event, settings, ratio change, time):
   * with {@link #encodeBin} the parts of a summary that is stored piecewise, so that an event
   * rewrites the head and the one bin it fell into instead of the whole summary.
   */
  public static byte[] encodeHead(RunSummary s) {
    BinaryWriter out = new BinaryWriter(256);
    try {
      out.writeByte(PART_VERSION);
      writeHead(out, s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** The bin at {@code index} of the summary, or null when it has none there. */
  public static byte[] encodeBin(RunSummary s, int index) {
    Bin b = s.bins.get(index);
    if (b == null) {
      return null;
    }
    BinaryWriter out = new BinaryWriter(96 + 8 * b.fingerprints.length);
    out.writeByte(PART_VERSION);
    writeBin(out, b, true);
    return out.toByteArray();
  }

  /** The indexes of the summary's bins, ascending. */
  public static int[] binIndexes(RunSummary s) {
    return s.bins.keySet().stream().mapToInt(Integer::intValue).toArray();
  }

  /** The index of the bin that an event at {@code tokens} falls into. */
  public static int binIndex(long tokens) {
    return TokenBins.index(tokens);
  }

  /**
   * Reassembles a summary from its {@link #encodeHead} and {@link #encodeBin} parts (bins in any
   * order).
   *
   * @throws IllegalArgumentException when a part is corrupt, of an unknown version, or two bins
   *     share an index
   */
  public static RunSummary decodeParts(byte[] head, Iterable<byte[]> bins) {
    try {
      BinaryReader in = new BinaryReader(head);
      checkPartVersion(in.readUnsignedByte());
      RunSummary s = readHead(in);
      if (!in.atEnd()) {
        throw new IllegalArgumentException("corrupt run summary head: trailing bytes");
      }
      for (byte[] part : bins) {
        BinaryReader b = new BinaryReader(part);
        checkPartVersion(b.readUnsignedByte());
        Bin bin = readBin(b, true);
        if (!b.atEnd()) {
          throw new IllegalArgumentException("corrupt run summary bin: trailing bytes");
        }
        if (s.bins.put(bin.index, bin) != null) {
          throw new IllegalArgumentException(
              "corrupt run summary: two bins with index " + bin.index);
        }
      }
      return s;
    } catch (IOException e) {
      throw new IllegalArgumentException("corrupt run summary part: " + e, e);
    }
  }

  private static void checkPartVersion(int v) {
    if (v != PART_VERSION) {
      throw new IllegalArgumentException(
          "run summary part version " + v + " is not supported (reads " + PART_VERSION + ")");
    }
  }

  private static void writeHead(BinaryWriter out, RunSummary s) throws IOException {
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
  }

  private static void writeBin(BinaryWriter out, Bin b, boolean fingerprints) {
    out.writeVarLong(b.index);
    out.writeVarLong(b.count);
    out.writeVarLong(b.maxTokens);
    // Slot order: tokens, general, its square, domain, its square (the format's order since version
    // 1).
    for (int slot = 0; slot < Bin.SUMS; slot++) {
      out.writeVarLong(zigzag(b.sums[2 * slot]));
      out.writeLong(b.sums[2 * slot + 1]);
    }
    if (!fingerprints) {
      return;
    }
    out.writeVarLong(b.fingerprints.length);
    for (long fp : b.fingerprints) {
      out.writeLong(fp);
    }
  }

  /**
   * Decodes bytes written by {@link #encode(RunSummary)} or {@link #encodeForAnalysis} (the latter
   * for analysis only).
   *
   * @throws IllegalArgumentException when the bytes are not a summary of a known version
   */
  public static RunSummary decode(byte[] data) {
    try {
      BinaryReader in = new BinaryReader(data);
      int version = in.readUnsignedByte();
      if (version != VERSION && version != ANALYSIS_VERSION) {
        throw new IllegalArgumentException(
            "run summary format version "
                + version
                + " is not supported (reads "
                + VERSION
                + " and "
                + ANALYSIS_VERSION
                + ")");
      }
      boolean fingerprints = version == VERSION;
      RunSummary s = readHead(in);
      if (!fingerprints) {
        s.markAnalysisOnly();
      }
      long n = in.readVarLong();
      if (n < 0 || n > TokenBins.MAX_INDEX + 1) {
        throw new IllegalArgumentException("corrupt run summary: " + n + " bins");
      }
      for (int i = 0; i < n; i++) {
        Bin b = readBin(in, fingerprints);
        s.bins.put(b.index, b);
      }
      if (!in.atEnd()) {
        throw new IllegalArgumentException("corrupt run summary: trailing bytes");
      }
      return s;
    } catch (IOException e) {
      throw new IllegalArgumentException("corrupt run summary: " + e, e);
    }
  }

  private static RunSummary readHead(BinaryReader in) throws IOException {
    RunSummary s = new RunSummary(in.readUTF(), in.readUTF());
    Keyed first = readKeyed(in);
    Keyed latest = readKeyed(in);
    boolean conflict = in.readBoolean();
    long change = in.readLong();
    Instant t = in.readBoolean() ? Instant.ofEpochSecond(in.readLong(), in.readInt()) : null;
    KeyedValue[] settings = new KeyedValue[4];
    for (int i = 0; i < 4; i++) {
      settings[i] =
          in.readBoolean() ? new KeyedValue(in.readDouble(), in.readLong(), in.readUTF()) : null;
    }
    s.restore(first, conflict, change, latest, t, settings);
    return s;
  }

  private static Bin readBin(BinaryReader in, boolean fingerprints) throws IOException {
    int index = (int) in.readVarLong();
    if (index < 0 || index > TokenBins.MAX_INDEX) {
      throw new IllegalArgumentException("corrupt run summary: bin index " + index);
    }
    Bin b = new Bin(index);
    b.count = in.readVarLong();
    b.maxTokens = in.readVarLong();
    for (int slot = 0; slot < Bin.SUMS; slot++) {
      b.sums[2 * slot] = unzigzag(in.readVarLong());
      b.sums[2 * slot + 1] = in.readLong();
    }
    if (!fingerprints) {
      return b;
    }
    int fps = (int) in.readVarLong();
    if (fps < 0 || fps > RunSummary.FINGERPRINTS_PER_BIN) {
      throw new IllegalArgumentException("corrupt run summary: " + fps + " fingerprints in a bin");
    }
    b.fingerprints = new long[fps];
    for (int j = 0; j < fps; j++) {
      b.fingerprints[j] = in.readLong();
    }
    return b;
  }

  private static void writeKeyed(BinaryWriter out, Keyed k) throws IOException {
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

  private static Keyed readKeyed(BinaryReader in) throws IOException {
    if (!in.readBoolean()) {
      return null;
    }
    return new Keyed(
        in.readLong(),
        in.readUTF(),
        in.readDouble(),
        in.readDouble(),
        in.readDouble(),
        in.readDouble(),
        in.readDouble());
  }

  private static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  private static long unzigzag(long v) {
    return (v >>> 1) ^ -(v & 1);
  }
}
