package io.cmrwatch.trainer.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A body of text as bytes: a training part from which windows are sampled, and a fixed held-out
 * validation part that training never reads.
 */
public final class Corpus {

  private final String name;
  private final byte[] training;
  private final byte[] heldOut;

  /** A corpus from its training bytes and held-out bytes. */
  public Corpus(String name, byte[] training, byte[] heldOut) {
    this.name = name;
    this.training = training;
    this.heldOut = heldOut;
  }

  /** Where the corpus came from, for logs and errors. */
  public String name() {
    return name;
  }

  /** Bytes available for training. */
  public long trainingBytes() {
    return training.length;
  }

  /** Bytes held out for validation. */
  public long heldOutBytes() {
    return heldOut.length;
  }

  /**
   * A training window of {@code length} bytes at a position drawn from {@code random}. Fails with a
   * clear message when the corpus is shorter than one window.
   */
  public byte[] sample(SplittableRandom random, int length) {
    requireBytes(training.length, length, "training");
    int start = random.nextInt(training.length - length + 1);
    byte[] out = new byte[length];
    System.arraycopy(training, start, out, 0, length);
    return out;
  }

  /**
   * The fixed validation set: up to {@code count} non-overlapping windows of {@code length} bytes,
   * spread evenly over the held-out part (consecutive windows from its start would measure the loss
   * on one or two documents of a real corpus). The same corpus gives the same windows every time.
   */
  public List<byte[]> validation(int count, int length) {
    requireBytes(heldOut.length, length, "held-out");
    int n = Math.min(count, heldOut.length / length);
    List<byte[]> out = new ArrayList<>(n);
    // Window i starts at floor(i · (H − L) / (n − 1)): the first at 0, the last at the end, and
    // (since n ≤ H / L) never overlapping.
    for (int i = 0; i < n; i++) {
      int start = n == 1 ? 0 : (int) ((long) i * (heldOut.length - length) / (n - 1));
      byte[] w = new byte[length];
      System.arraycopy(heldOut, start, w, 0, length);
      out.add(w);
    }
    return out;
  }

  private void requireBytes(int have, int need, String part) {
    if (have < need) {
      throw new IllegalArgumentException(
          "corpus "
              + name
              + " has only "
              + have
              + " "
              + part
              + " bytes, fewer than one window of "
              + need
              + "; give it more text or use a smaller --context");
    }
  }
}
