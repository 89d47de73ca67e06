package io.cmrwatch.core.summary;

import java.math.BigInteger;

/**
 * Signed 128-bit integer accumulators. Sums of fixed-point values are exact and therefore
 * independent of the order in which events are absorbed — a floating-point running mean (Welford)
 * is not, in its last bits, and the summary must be bit-identical whatever the order so that its
 * changelog and its fits are deterministic.
 *
 * <p>The arithmetic works on slots of a {@code long[]}: slot {@code k} is the high word at {@code
 * 2k} and the (unsigned) low word at {@code 2k + 1}. A bin keeps its five sums in one array this
 * way rather than as five objects (a quarter of a long run's decoded summary went to those objects'
 * headers and references).
 */
final class Int128 {

  private Int128() {}

  /** Slot {@code slot} of {@code w} += v. */
  static void add(long[] w, int slot, long v) {
    int h = 2 * slot;
    long lo = w[h + 1];
    long newLo = lo + v;
    // Carry out of the unsigned low word, plus the sign extension of v into the high word.
    long carry = Long.compareUnsigned(newLo, lo) < 0 ? 1 : 0;
    if (v < 0) {
      carry = Long.compareUnsigned(newLo, lo) < 0 ? 0 : -1;
    }
    w[h + 1] = newLo;
    w[h] += carry;
  }

  /** Slot {@code slot} of {@code w} += a·b, exactly. */
  static void addProduct(long[] w, int slot, long a, long b) {
    int h = 2 * slot;
    long pLo = a * b;
    long pHi = Math.multiplyHigh(a, b);
    long lo = w[h + 1];
    long newLo = lo + pLo;
    long carry = Long.compareUnsigned(newLo, lo) < 0 ? 1 : 0;
    w[h + 1] = newLo;
    w[h] += pHi + carry;
  }

  /** Slot {@code slot} of {@code w} as the nearest double (exact up to 53 significant bits). */
  static double toDouble(long[] w, int slot) {
    long hi = w[2 * slot];
    long lo = w[2 * slot + 1];
    // hi·2^64 + unsigned(lo); the unsigned low word is split to stay exact before the final
    // rounding.
    double loD = (double) (lo >>> 1) * 2.0 + (lo & 1L);
    return hi * 0x1.0p64 + loD;
  }

  /** Slot {@code slot} of {@code w}, exactly. */
  static BigInteger toBigInteger(long[] w, int slot) {
    long hi = w[2 * slot];
    long lo = w[2 * slot + 1];
    // Big-endian two's complement, hi then lo: exactly what BigInteger's byte constructor reads.
    byte[] b = new byte[16];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (hi >>> (56 - 8 * i));
      b[8 + i] = (byte) (lo >>> (56 - 8 * i));
    }
    return new BigInteger(b);
  }
}
