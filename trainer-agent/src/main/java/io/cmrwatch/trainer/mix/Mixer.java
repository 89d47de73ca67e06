package io.cmrwatch.trainer.mix;

import io.cmrwatch.trainer.data.Corpus;
import java.util.SplittableRandom;

/**
 * Fills training batches from a general and a domain corpus at domain share R, counting tokens:
 * each sequence goes to the corpus that keeps the actual domain share D / (D + G) closest to R, so
 * the share tracks R (and any new R) within one sequence. Windows are drawn from a random stream
 * keyed by (seed, step, slot), so that a run resumed from its counters sees exactly the batches it
 * would have seen.
 */
public final class Mixer {

  private final Corpus general;
  private final Corpus domain;
  private final long seed;
  private double ratio;
  private long domainTokens;
  private long totalTokens;

  /** A mixer at domain share {@code ratio}, in (0, 1]. */
  public Mixer(Corpus general, Corpus domain, double ratio, long seed) {
    this.general = general;
    this.domain = domain;
    this.seed = seed;
    setRatio(ratio);
  }

  /** The target domain share R. */
  public synchronized double ratio() {
    return ratio;
  }

  /** Changes the target share; later batches move the actual share towards it. */
  public synchronized void setRatio(double ratio) {
    if (!(ratio > 0 && ratio <= 1)) {
      throw new IllegalArgumentException("domain ratio must be in (0, 1], got " + ratio);
    }
    this.ratio = ratio;
  }

  /** The actual domain share in tokens so far, D / (D + G); 0 before the first batch. */
  public synchronized double actualShare() {
    return totalTokens == 0 ? 0 : (double) domainTokens / totalTokens;
  }

  /** Tokens mixed so far, domain and general. */
  public synchronized long totalTokens() {
    return totalTokens;
  }

  /** Domain tokens mixed so far. */
  public synchronized long domainTokens() {
    return domainTokens;
  }

  /** Restores the counters of a resumed run. */
  public synchronized void restore(long domainTokens, long totalTokens) {
    this.domainTokens = domainTokens;
    this.totalTokens = totalTokens;
  }

  /**
   * The batch for optimizer step {@code step}: {@code batchSize} windows of {@code length} bytes.
   * Each window counts {@code length − 1} tokens (the predicted positions).
   */
  public synchronized byte[][] nextBatch(long step, int batchSize, int length) {
    byte[][] batch = new byte[batchSize][];
    long tokens = length - 1;
    for (int slot = 0; slot < batchSize; slot++) {
      // Error if this window is domain: (D + n) − R·(N + n); if general: D − R·(N + n). Take the
      // smaller.
      double target = ratio * (totalTokens + tokens);
      boolean toDomain =
          Math.abs(domainTokens + tokens - target) <= Math.abs(domainTokens - target);
      SplittableRandom random = new SplittableRandom(mix(seed, step, slot));
      if (toDomain) {
        batch[slot] = domain.sample(random, length);
        domainTokens += tokens;
      } else {
        batch[slot] = general.sample(random, length);
      }
      totalTokens += tokens;
    }
    return batch;
  }

  private static long mix(long seed, long step, int slot) {
    // SplitMix64 finaliser over the three keys: independent streams for every (seed, step, slot).
    long z = seed * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + slot * 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
