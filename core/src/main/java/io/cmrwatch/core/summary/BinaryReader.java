package io.cmrwatch.core.summary;

import java.io.EOFException;
import java.io.IOException;
import java.io.UTFDataFormatException;

/**
 * Reads what {@link BinaryWriter} writes (the {@link java.io.DataInputStream} layout), straight
 * from an array.
 */
final class BinaryReader {

  private final byte[] b;
  private int p;

  BinaryReader(byte[] b) {
    this.b = b;
  }

  private void need(int k) throws EOFException {
    if (p + k > b.length) {
      throw new EOFException("needs " + k + " more byte(s) at offset " + p + " of " + b.length);
    }
  }

  int readUnsignedByte() throws EOFException {
    need(1);
    return b[p++] & 0xFF;
  }

  boolean readBoolean() throws EOFException {
    return readUnsignedByte() != 0;
  }

  int readInt() throws EOFException {
    need(4);
    int v =
        ((b[p] & 0xFF) << 24)
            | ((b[p + 1] & 0xFF) << 16)
            | ((b[p + 2] & 0xFF) << 8)
            | (b[p + 3] & 0xFF);
    p += 4;
    return v;
  }

  long readLong() throws EOFException {
    need(8);
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[p + i] & 0xFF);
    }
    p += 8;
    return v;
  }

  double readDouble() throws EOFException {
    return Double.longBitsToDouble(readLong());
  }

  long readVarLong() throws IOException {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int x = readUnsignedByte();
      v |= (long) (x & 0x7F) << shift;
      if ((x & 0x80) == 0) {
        return v;
      }
    }
    throw new IOException("var-int longer than 10 bytes");
  }

  /** As {@link java.io.DataInputStream#readUTF}. */
  String readUTF() throws IOException {
    need(2);
    int len = ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
    p += 2;
    need(len);
    char[] out = new char[len];
    int end = p + len;
    int k = 0;
    while (p < end) {
      int c = b[p] & 0xFF;
      switch (c >> 4) {
        case 0, 1, 2, 3, 4, 5, 6, 7 -> {
          out[k++] = (char) c;
          p++;
        }
        case 12, 13 -> {
          if (p + 2 > end || (b[p + 1] & 0xC0) != 0x80) {
            throw new UTFDataFormatException("malformed input around byte " + p);
          }
          out[k++] = (char) (((c & 0x1F) << 6) | (b[p + 1] & 0x3F));
          p += 2;
        }
        case 14 -> {
          if (p + 3 > end || (b[p + 1] & 0xC0) != 0x80 || (b[p + 2] & 0xC0) != 0x80) {
            throw new UTFDataFormatException("malformed input around byte " + p);
          }
          out[k++] = (char) (((c & 0x0F) << 12) | ((b[p + 1] & 0x3F) << 6) | (b[p + 2] & 0x3F));
          p += 3;
        }
        default -> throw new UTFDataFormatException("malformed input around byte " + p);
      }
    }
    return new String(out, 0, k);
  }

  /** Whether every byte was read. */
  boolean atEnd() {
    return p == b.length;
  }
}
