package io.cmrwatch.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One pre-LayerNorm transformer decoder block built from DJL parts: {@code x + Attn(LN(x), mask)}
 * then {@code x + FFN(LN(x))}, with multi-head scaled dot-product self-attention under an additive
 * causal mask. DJL's own {@code TransformerEncoderBlock} normalises with BatchNorm, which mixes
 * positions across the batch in training mode and so leaks future tokens; this block never does.
 */
public final class DecoderBlock extends AbstractBlock {

  // 2: one fused query/key/value projection instead of DJL's ScaledDotProductAttentionBlock
  // (version 1 checkpoints
  // do not load into this block).
  private static final byte VERSION = 2;

  private final int width;
  private final int heads;
  private final float scale;
  private volatile NDArray scaleArray;
  private final LayerNorm attentionNorm;
  private final Linear queryKeyValue;
  private final Linear attentionOutput;
  private final LayerNorm feedForwardNorm;
  private final Linear feedForwardIn;
  private final Linear feedForwardOut;

  /** A block of the given width, heads and feed-forward multiplier. */
  public DecoderBlock(int width, int heads, int ffnMultiplier) {
    super(VERSION);
    this.width = width;
    this.heads = heads;
    // Attention scores are q·k / sqrt(d_head).
    this.scale = (float) (1 / Math.sqrt((double) width / heads));
    // axis 2 of B×T×E: normalise each position's features on their own.
    attentionNorm = addChildBlock("attentionNorm", LayerNorm.builder().axis(2).build());
    // Queries, keys and values of all heads in one projection E -> 3E: one matrix product (and one
    // in each direction
    // of the backward pass) instead of three. Same parameters as three E -> E projections, stacked.
    queryKeyValue =
        addChildBlock("queryKeyValue", Linear.builder().setUnits(3L * width).optBias(true).build());
    attentionOutput =
        addChildBlock("attentionOutput", Linear.builder().setUnits(width).optBias(true).build());
    feedForwardNorm = addChildBlock("feedForwardNorm", LayerNorm.builder().axis(2).build());
    feedForwardIn =
        addChildBlock(
            "feedForwardIn",
            Linear.builder().setUnits((long) width * ffnMultiplier).optBias(true).build());
    feedForwardOut =
        addChildBlock("feedForwardOut", Linear.builder().setUnits(width).optBias(true).build());
  }

  /**
   * Inputs: hidden states B×T×E and the additive attention mask T×T (0 where query i may attend to
   * key j, −∞ where not), owned by a manager that lives as long as the model. Output: B×T×E.
   */
  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.get(0);
    NDArray mask = inputs.get(1);
    Shape shape = x.getShape();
    long batch = shape.get(0);
    long length = shape.get(1);
    long headWidth = width / heads;
    NDArray normed = attentionNorm.forward(store, new NDList(x), training, params).head();
    // B×T×3E -> B×T×3N×H -> B×3N×T×H, split along the head axis into queries, keys and values of N
    // heads each.
    NDList qkv =
        queryKeyValue
            .forward(store, new NDList(normed), training, params)
            .head()
            .reshape(batch, length, 3L * heads, headWidth)
            .transpose(0, 2, 1, 3)
            .split(3, 1);
    // softmax(q·kᵀ / sqrt(H) + mask)·v per head; the scale is applied to q (B×N×T×H), which is
    // smaller than the scores
    // (B×N×T×T).
    NDArray scores = qkv.get(0).mul(scale(mask)).matMul(qkv.get(1).transpose(0, 1, 3, 2)).add(mask);
    NDArray attended =
        scores.softmax(3).matMul(qkv.get(2)).transpose(0, 2, 1, 3).reshape(batch, length, width);
    NDArray h =
        x.add(attentionOutput.forward(store, new NDList(attended), training, params).head());
    NDArray normed2 = feedForwardNorm.forward(store, new NDList(h), training, params).head();
    NDArray hidden =
        Activation.gelu(feedForwardIn.forward(store, new NDList(normed2), training, params).head());
    return new NDList(
        h.add(feedForwardOut.forward(store, new NDList(hidden), training, params).head()));
  }

  /**
   * The scale 1/sqrt(H) as a scalar array owned like the mask (by the model). Not {@code
   * mul(float)}: DJL makes that scalar from a Java buffer and frees it right after the product, yet
   * autograd keeps it for the backward pass, which would then read freed memory.
   */
  private NDArray scale(NDArray mask) {
    NDArray s = scaleArray;
    if (s == null) {
      synchronized (this) {
        s = scaleArray;
        if (s == null) {
          s = mask.getManager().create(scale);
          NDScope.unregister(s);
          scaleArray = s;
        }
      }
    }
    return s;
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape hidden = inputShapes[0];
    attentionNorm.initialize(manager, dataType, hidden);
    queryKeyValue.initialize(manager, dataType, hidden);
    attentionOutput.initialize(manager, dataType, hidden);
    feedForwardNorm.initialize(manager, dataType, hidden);
    feedForwardIn.initialize(manager, dataType, hidden);
    feedForwardOut.initialize(
        manager, dataType, feedForwardIn.getOutputShapes(new Shape[] {hidden}));
  }
}
