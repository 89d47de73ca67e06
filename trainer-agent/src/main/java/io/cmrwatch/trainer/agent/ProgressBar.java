package io.cmrwatch.trainer.agent;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line terminal progress bar for long training work: tokens done of the total, throughput,
 * the latest losses and the time left. Redraws at most a few times a second; in quiet mode it
 * prints nothing.
 */
public final class ProgressBar {

  private static final long REDRAW_NANOS = 250_000_000L;
  private static final int WIDTH = 24;

  private final PrintStream out;
  private final String label;
  private final long total;
  private final boolean quiet;
  private final long started = System.nanoTime();
  private long lastDraw;
  private long lastTokens;
  private long lastTime = started;
  private double rate;

  /** A bar for {@code total} tokens, drawn on {@code out} unless {@code quiet}. */
  public ProgressBar(PrintStream out, String label, long total, boolean quiet) {
    this.out = out;
    this.label = label;
    this.total = Math.max(1, total);
    this.quiet = quiet;
  }

  /** Tokens per second, smoothed over the recent updates. */
  public double tokensPerSecond() {
    return rate;
  }

  /** Reports progress; {@code general}/{@code domain} are the latest losses (NaN when unknown). */
  public void update(long tokens, double general, double domain) {
    long now = System.nanoTime();
    if (now - lastTime > 0 && tokens > lastTokens) {
      double instant = (tokens - lastTokens) / ((now - lastTime) / 1e9);
      // Exponential smoothing so that the figure does not jump at every step.
      rate = rate == 0 ? instant : 0.8 * rate + 0.2 * instant;
      lastTokens = tokens;
      lastTime = now;
    }
    if (quiet || (now - lastDraw < REDRAW_NANOS && tokens < total)) {
      return;
    }
    lastDraw = now;
    double done = Math.min(1.0, (double) tokens / total);
    int filled = (int) Math.round(done * WIDTH);
    String bar = "#".repeat(filled) + "-".repeat(WIDTH - filled);
    double eta = rate > 0 ? (total - tokens) / rate : Double.NaN;
    out.print(
        String.format(
            Locale.ROOT,
            "\r%s [%s] %5.1f%% %s/%s tok  %,.0f tok/s  gen %s  dom %s  ETA %s ",
            label,
            bar,
            done * 100,
            human(tokens),
            human(total),
            rate,
            loss(general),
            loss(domain),
            time(eta)));
    out.flush();
  }

  /** Ends the bar's line. */
  public void finish() {
    if (!quiet) {
      out.println();
    }
  }

  private static String loss(double v) {
    return Double.isNaN(v) ? "  -   " : String.format(Locale.ROOT, "%.4f", v);
  }

  private static String human(long n) {
    if (n >= 1_000_000) {
      return String.format(Locale.ROOT, "%.2fM", n / 1e6);
    }
    if (n >= 1_000) {
      return String.format(Locale.ROOT, "%.1fk", n / 1e3);
    }
    return Long.toString(n);
  }

  private static String time(double seconds) {
    if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
      return "--:--";
    }
    long s = Math.round(seconds);
    return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  }
}
