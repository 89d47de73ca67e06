package io.cmrwatch.core.summary;

import java.io.UTFDataFormatException;
import java.util.Arrays;

/**
 * Writes the same bytes as {@link java.io.DataOutputStream} over a {@link
 * java.io.ByteArrayOutputStream} (big-endian numbers, modified UTF-8 strings), plus unsigned LEB128
 * var-ints, into one growing array: no per-byte locking or stream layers. Summaries are encoded at
 * every commit of every changed run, so this is on the streams app's hot path (see docs/streams.md,
 * "Performance").
 */
final class BinaryWriter {

  private byte[] buf;
  private int n;

  BinaryWriter(int capacity) {
    buf = new byte[Math.max(16, capacity)];
  }

  private void ensure(int more) {
    if (n + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, n + more));
    }
  }

  void writeByte(int v) {
    ensure(1);
    buf[n++] = (byte) v;
  }

  void writeBoolean(boolean v) {
    writeByte(v ? 1 : 0);
  }

  void writeInt(int v) {
    ensure(4);
    buf[n] = (byte) (v >>> 24);
    buf[n + 1] = (byte) (v >>> 16);
    buf[n + 2] = (byte) (v >>> 8);
    buf[n + 3] = (byte) v;
    n += 4;
  }

  void writeLong(long v) {
    ensure(8);
    for (int i = 0; i < 8; i++) {
      buf[n + i] = (byte) (v >>> (56 - 8 * i));
    }
    n += 8;
  }

  /**
   * As {@link java.io.DataOutputStream#writeDouble}: the bits of {@link Double#doubleToLongBits}
   * (NaN canonical).
   */
  void writeDouble(double v) {
    writeLong(Double.doubleToLongBits(v));
  }

  /** Unsigned LEB128. */
  void writeVarLong(long v) {
    ensure(10);
    while ((v & ~0x7FL) != 0) {
      buf[n++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[n++] = (byte) v;
  }

  /** As {@link java.io.DataOutputStream#writeUTF}: a two-byte length, then modified UTF-8. */
  void writeUTF(String s) throws UTFDataFormatException {
    int len = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      len += c >= 0x0001 && c <= 0x007F ? 1 : c > 0x07FF ? 3 : 2;
    }
    if (len > 65_535) {
      throw new UTFDataFormatException("string of " + len + " bytes is too long to encode");
    }
    ensure(2 + len);
    buf[n++] = (byte) (len >>> 8);
    buf[n++] = (byte) len;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x0001 && c <= 0x007F) {
        buf[n++] = (byte) c;
      } else if (c > 0x07FF) {
        buf[n++] = (byte) (0xE0 | ((c >> 12) & 0x0F));
        buf[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        buf[n++] = (byte) (0x80 | (c & 0x3F));
      } else {
        buf[n++] = (byte) (0xC0 | ((c >> 6) & 0x1F));
        buf[n++] = (byte) (0x80 | (c & 0x3F));
      }
    }
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, n);
  }
}
