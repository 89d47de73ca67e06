package io.cmrwatch.core.summary;

import java.util.Arrays;

/**
 * A run's binned loss curves as the fits read them, in increasing tokens (absolute token counts, T
 * &gt; 0).
 *
 * @param tokens mean tokens of each bin
 * @param generalIncrease mean dGen = Lgen − Lgen(0) of each bin
 * @param domainChange mean dDom = Ldom − Ldom(0) of each bin
 * @param weights number of events in each bin
 * @param generalVariance sample variance of the general loss within each bin (0 for a single event)
 * @param domainVariance sample variance of the domain loss within each bin (0 for a single event)
 */
public record CurvePoints(
    double[] tokens,
    double[] generalIncrease,
    double[] domainChange,
    double[] weights,
    double[] generalVariance,
    double[] domainVariance) {

  /** Number of points. */
  public int size() {
    return tokens.length;
  }

  /** The points with tokens &le; {@code maxTokens} (a prefix, since tokens increase). */
  public CurvePoints upTo(double maxTokens) {
    int n = 0;
    while (n < tokens.length && tokens[n] <= maxTokens) {
      n++;
    }
    return new CurvePoints(
        Arrays.copyOf(tokens, n),
        Arrays.copyOf(generalIncrease, n),
        Arrays.copyOf(domainChange, n),
        Arrays.copyOf(weights, n),
        Arrays.copyOf(generalVariance, n),
        Arrays.copyOf(domainVariance, n));
  }
}
