package io.cmrwatch.core.summary;

/**
 * A 64-bit FNV-1a hash fed field by field (longs as their 8 bytes, doubles by their canonical bits,
 * strings by length and characters): a cheap content hash for a summary that needs no encoding.
 */
final class Fnv64 {

  private static final long OFFSET = 0xcbf29ce484222325L;
  private static final long PRIME = 0x100000001b3L;

  private long h = OFFSET;

  Fnv64 addLong(long v) {
    for (int shift = 0; shift < 64; shift += 8) {
      h = (h ^ ((v >>> shift) & 0xff)) * PRIME;
    }
    return this;
  }

  Fnv64 addDouble(double v) {
    return addLong(Double.doubleToLongBits(v));
  }

  Fnv64 addBoolean(boolean v) {
    return addLong(v ? 1 : 0);
  }

  Fnv64 addString(String s) {
    addLong(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      h = (h ^ (c & 0xff)) * PRIME;
      h = (h ^ (c >>> 8)) * PRIME;
    }
    return this;
  }

  long value() {
    return h;
  }
}
