package io.cmrwatch.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.nn.transformer.PointwiseFeedForwardBlock;
import ai.djl.nn.transformer.ScaledDotProductAttentionBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;

/**
 * One pre-LayerNorm transformer decoder block built from DJL parts: {@code x + Attn(LN(x), mask)} then
 * {@code x + FFN(LN(x))}. DJL's own {@code TransformerEncoderBlock} normalises with BatchNorm, which mixes positions
 * across the batch in training mode and so leaks future tokens; this block never does.
 */
public final class DecoderBlock extends AbstractBlock {

  private static final byte VERSION = 1;

  private final LayerNorm attentionNorm;
  private final ScaledDotProductAttentionBlock attention;
  private final LayerNorm feedForwardNorm;
  private final PointwiseFeedForwardBlock feedForward;

  /** A block of the given width, heads and feed-forward multiplier. */
  public DecoderBlock(int width, int heads, int ffnMultiplier) {
    super(VERSION);
    // axis 2 of B×T×E: normalise each position's features on their own.
    attentionNorm = addChildBlock("attentionNorm", LayerNorm.builder().axis(2).build());
    attention =
        addChildBlock(
            "attention",
            ScaledDotProductAttentionBlock.builder()
                .setEmbeddingSize(width)
                .setHeadCount(heads)
                .optAttentionProbsDropoutProb(0f)
                .build());
    feedForwardNorm = addChildBlock("feedForwardNorm", LayerNorm.builder().axis(2).build());
    feedForward =
        addChildBlock(
            "feedForward",
            new PointwiseFeedForwardBlock(List.of(width * ffnMultiplier), width, Activation::gelu));
  }

  /** Inputs: hidden states B×T×E and the attention mask B×T×T (1 = may attend). Output: B×T×E. */
  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.get(0);
    NDArray mask = inputs.get(1);
    NDArray normed = attentionNorm.forward(store, new NDList(x), training, params).head();
    NDArray attended = attention.forward(store, new NDList(normed, mask), training, params).head();
    NDArray h = x.add(attended);
    NDArray normed2 = feedForwardNorm.forward(store, new NDList(h), training, params).head();
    NDArray fed = feedForward.forward(store, new NDList(normed2), training, params).head();
    return new NDList(h.add(fed));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape hidden = inputShapes[0];
    attentionNorm.initialize(manager, dataType, hidden);
    attention.initialize(manager, dataType, hidden, inputShapes[1]);
    feedForwardNorm.initialize(manager, dataType, hidden);
    feedForward.initialize(manager, dataType, hidden);
  }
}
