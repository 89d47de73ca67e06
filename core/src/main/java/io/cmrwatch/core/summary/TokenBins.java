package io.cmrwatch.core.summary;

/**
 * The fixed log-spaced token grid of a {@link RunSummary}: {@value #PER_OCTAVE} bins per doubling
 * of the token count. Bin 0 holds T = 0 (the base model); bin {@code 1 + 8·k + j} holds tokens in
 * [2^(k + j/8), 2^(k + (j+1)/8)). The grid is the same for every run and every order of arrival,
 * which is what makes summaries comparable and exact.
 */
public final class TokenBins {

  /** Bins per octave (doubling) of tokens; each bin spans 9 % of its tokens. */
  public static final int PER_OCTAVE = 8;

  /** Largest possible bin index (tokens up to 2^63). */
  public static final int MAX_INDEX = 1 + PER_OCTAVE * 63 + (PER_OCTAVE - 1);

  // 2^(j/8), j = 0..8, from StrictMath so the grid is identical on every JVM.
  private static final double[] EDGES = new double[PER_OCTAVE + 1];

  static {
    for (int j = 0; j <= PER_OCTAVE; j++) {
      EDGES[j] = StrictMath.pow(2.0, (double) j / PER_OCTAVE);
    }
  }

  private TokenBins() {}

  /** The bin of a token count (&ge; 0). */
  public static int index(long tokens) {
    if (tokens < 0) {
      throw new IllegalArgumentException("tokens must be >= 0, got " + tokens);
    }
    if (tokens == 0) {
      return 0;
    }
    int octave = 63 - Long.numberOfLeadingZeros(tokens);
    double f = (double) tokens / (double) (1L << octave); // in [1, 2)
    int sub = 0;
    while (sub < PER_OCTAVE - 1 && f >= EDGES[sub + 1]) {
      sub++;
    }
    return 1 + PER_OCTAVE * octave + sub;
  }

  /** Smallest token count of bin {@code index} (0 for bin 0). */
  public static double lowerEdge(int index) {
    if (index == 0) {
      return 0;
    }
    int octave = (index - 1) / PER_OCTAVE;
    int sub = (index - 1) % PER_OCTAVE;
    return Math.scalb(EDGES[sub], octave);
  }
}
