package io.cmrwatch.trainer.model;

/**
 * Shape of the byte-level decoder-only language model: vocabulary of 256 bytes, width, depth, heads
 * and context.
 *
 * @param width embedding width d (divisible by {@code heads})
 * @param layers number of pre-LayerNorm decoder blocks
 * @param heads attention heads per block
 * @param context longest sequence the model reads (learned position embeddings have this many rows)
 * @param ffnMultiplier hidden width of the feed-forward layer as a multiple of {@code width}
 */
public record ModelConfig(int width, int layers, int heads, int context, int ffnMultiplier) {

  /** Bytes: the vocabulary is every byte value. */
  public static final int VOCABULARY = 256;

  public ModelConfig {
    if (width < 8 || layers < 1 || heads < 1 || context < 2 || ffnMultiplier < 1) {
      throw new IllegalArgumentException(
          "model shape out of range: width >= 8, layers >= 1, heads >= 1, context >= 2, ffn multiplier >= 1; got "
              + "width="
              + width
              + " layers="
              + layers
              + " heads="
              + heads
              + " context="
              + context
              + " ffn="
              + ffnMultiplier);
    }
    if (width % heads != 0) {
      throw new IllegalArgumentException(
          "width "
              + width
              + " must be divisible by the number of heads "
              + heads
              + " (choose e.g. heads="
              + gcd(width, 4)
              + ")");
    }
  }

  /** The default small model: 2 layers, width 64, 4 heads, context 64. */
  public static ModelConfig small() {
    return new ModelConfig(64, 2, 4, 64, 4);
  }

  private static int gcd(int a, int b) {
    return b == 0 ? a : gcd(b, a % b);
  }
}
