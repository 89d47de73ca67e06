package io.cmrwatch.trainer.data;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Deterministic generators of two text distributions over one shared byte vocabulary (lower-case
 * letters, digits, space and punctuation): a "general" one and a "domain" one. Both draw words from
 * their own lexicon and join them with their own word-to-word transitions, but the lexicons are
 * spelled with different letter statistics, so a model that adapts to the domain unlearns part of
 * the general text: training on the domain makes general loss rise.
 */
public final class SyntheticText {

  /** Which distribution to generate. */
  public enum Kind {
    GENERAL,
    DOMAIN
  }

  private static final String LETTERS = "etaoinshrdlcumwfgypbvkjxqz";
  private static final int LEXICON = 400;
  private static final int SUCCESSORS = 4;

  private final Kind kind;
  private final String[] words;
  private final int[][] successors;
  private final double[] zipf;

  /**
   * A generator of {@code kind}; the lexicon depends only on the kind, so every instance writes the
   * same language.
   */
  public SyntheticText(Kind kind) {
    this.kind = kind;
    SplittableRandom lexiconRandom =
        new SplittableRandom(kind == Kind.GENERAL ? 0x6E6E_7261_6C00L : 0x646F_6D61_696EL);
    words = new String[LEXICON];
    for (int i = 0; i < LEXICON; i++) {
      words[i] = word(lexiconRandom, i);
    }
    successors = new int[LEXICON][SUCCESSORS];
    for (int[] s : successors) {
      for (int j = 0; j < SUCCESSORS; j++) {
        s[j] = lexiconRandom.nextInt(LEXICON);
      }
    }
    // Zipf weights p(rank k) ∝ 1 / (k + 2), as a cumulative table.
    zipf = new double[LEXICON];
    double sum = 0;
    for (int k = 0; k < LEXICON; k++) {
      sum += 1.0 / (k + 2);
      zipf[k] = sum;
    }
    for (int k = 0; k < LEXICON; k++) {
      zipf[k] /= sum;
    }
  }

  /**
   * {@code bytes} bytes of text from the stream seeded by {@code seed}; equal arguments give equal
   * text.
   */
  public byte[] generate(long seed, int bytes) {
    SplittableRandom random = new SplittableRandom(seed ^ (kind == Kind.GENERAL ? 0x1L : 0x2L));
    StringBuilder text = new StringBuilder(bytes + 64);
    while (text.length() < bytes) {
      sentence(random, text);
    }
    return text.substring(0, bytes).getBytes(StandardCharsets.US_ASCII);
  }

  private void sentence(SplittableRandom random, StringBuilder out) {
    int length = 5 + random.nextInt(8);
    int w = zipfIndex(random);
    for (int i = 0; i < length; i++) {
      if (i > 0) {
        out.append(kind == Kind.DOMAIN && random.nextInt(6) == 0 ? ", " : " ");
      }
      if (kind == Kind.DOMAIN && random.nextInt(5) == 0) {
        // Domain text is dense with figures: "12.5%" or "4031".
        out.append(random.nextInt(1000));
        if (random.nextBoolean()) {
          out.append('.').append(random.nextInt(10)).append('%');
        }
        out.append(' ');
      }
      out.append(words[w]);
      // Half the time follow the word's own successors, else draw afresh from the Zipf law.
      w = random.nextBoolean() ? successors[w][random.nextInt(SUCCESSORS)] : zipfIndex(random);
    }
    out.append(kind == Kind.GENERAL ? ". " : "; ");
  }

  private int zipfIndex(SplittableRandom random) {
    double u = random.nextDouble();
    int lo = 0;
    int hi = LEXICON - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (zipf[mid] < u) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private String word(SplittableRandom random, int rank) {
    // Frequent words are short. General words alternate consonants and vowels with English letter
    // frequencies;
    // domain words use the same letters with the frequency order reversed and consonant clusters.
    int length = 2 + Math.min(7, rank / 60) + random.nextInt(3);
    StringBuilder w = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      w.append(letter(random, i));
    }
    return w.toString();
  }

  private char letter(SplittableRandom random, int position) {
    // Geometric pick over the frequency-ordered alphabet: index k with probability ∝ 0.8^k.
    int k = 0;
    while (k < LETTERS.length() - 1 && random.nextDouble() > 0.2) {
      k++;
    }
    if (kind == Kind.GENERAL) {
      boolean vowelSlot = position % 2 == 1;
      String pool = vowelSlot ? "eaoiuy" : "tnshrdlcmwfgpbvkjxqz";
      return pool.charAt(k % pool.length());
    }
    return LETTERS.charAt(LETTERS.length() - 1 - (k % LETTERS.length()));
  }
}
