package io.cmrwatch.core.summary;

import java.math.BigInteger;

/**
 * A signed 128-bit integer accumulator. Sums of fixed-point values are exact and therefore independent of the order
 * in which events are absorbed — a floating-point running mean (Welford) is not, in its last bits, and the summary
 * must be bit-identical whatever the order so that its changelog and its fits are deterministic.
 */
final class Int128 {
  long hi;
  long lo;

  Int128() {}

  Int128(long hi, long lo) {
    this.hi = hi;
    this.lo = lo;
  }

  /** this += v. */
  void add(long v) {
    long newLo = lo + v;
    // Carry out of the unsigned low word, plus the sign extension of v into the high word.
    long carry = Long.compareUnsigned(newLo, lo) < 0 ? 1 : 0;
    if (v < 0) {
      carry = Long.compareUnsigned(newLo, lo) < 0 ? 0 : -1;
    }
    lo = newLo;
    hi += carry;
  }

  /** this += a·b, exactly. */
  void addProduct(long a, long b) {
    long pLo = a * b;
    long pHi = Math.multiplyHigh(a, b);
    long newLo = lo + pLo;
    long carry = Long.compareUnsigned(newLo, lo) < 0 ? 1 : 0;
    lo = newLo;
    hi += pHi + carry;
  }

  /** Nearest double (exact up to 53 significant bits). */
  double toDouble() {
    // hi·2^64 + unsigned(lo); the unsigned low word is split to stay exact before the final rounding.
    double loD = (double) (lo >>> 1) * 2.0 + (lo & 1L);
    return hi * 0x1.0p64 + loD;
  }

  BigInteger toBigInteger() {
    // Big-endian two's complement, hi then lo: exactly what BigInteger's byte constructor reads.
    byte[] b = new byte[16];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (hi >>> (56 - 8 * i));
      b[8 + i] = (byte) (lo >>> (56 - 8 * i));
    }
    return new BigInteger(b);
  }

  boolean isZero() {
    return hi == 0 && lo == 0;
  }
}
