package io.cmrwatch.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A byte-level decoder-only transformer language model: token and learned position embeddings, a
 * stack of pre-LayerNorm {@link DecoderBlock}s under an explicit causal mask, a final LayerNorm and
 * a projection to 256 byte logits. Input: byte ids B×T (int32); output: logits B×T×256 where
 * position t sees only bytes 0..t.
 */
public final class CausalLanguageModel extends AbstractBlock {

  // 2: decoder blocks with a fused query/key/value projection.
  private static final byte VERSION = 2;

  private final ModelConfig config;
  private final Parameter tokenEmbedding;
  private final Parameter positionEmbedding;
  private final List<DecoderBlock> blocks = new ArrayList<>();
  private final LayerNorm finalNorm;
  private final Linear head;
  private final Map<Long, NDArray> masks = new ConcurrentHashMap<>();

  /**
   * A model of the given shape; parameters are created when the trainer (or {@link #initialize})
   * initialises it.
   */
  public CausalLanguageModel(ModelConfig config) {
    super(VERSION);
    this.config = config;
    // GPT-2's small normal initialisation for both embeddings.
    tokenEmbedding =
        addParameter(
            Parameter.builder()
                .setName("tokenEmbedding")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(ModelConfig.VOCABULARY, config.width()))
                .optInitializer(new NormalInitializer(0.02f))
                .build());
    positionEmbedding =
        addParameter(
            Parameter.builder()
                .setName("positionEmbedding")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(config.context(), config.width()))
                .optInitializer(new NormalInitializer(0.02f))
                .build());
    for (int i = 0; i < config.layers(); i++) {
      blocks.add(
          addChildBlock(
              "block" + i,
              new DecoderBlock(config.width(), config.heads(), config.ffnMultiplier())));
    }
    finalNorm = addChildBlock("finalNorm", LayerNorm.builder().axis(2).build());
    head =
        addChildBlock(
            "head", Linear.builder().setUnits(ModelConfig.VOCABULARY).optBias(true).build());
  }

  /** The shape this model was built with. */
  public ModelConfig config() {
    return config;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray ids = inputs.head();
    long length = ids.getShape().get(1);
    if (length > config.context()) {
      throw new IllegalArgumentException(
          "sequence of "
              + length
              + " bytes is longer than the model's context "
              + config.context());
    }
    NDArray tokens = store.getValue(tokenEmbedding, ids.getDevice(), training);
    NDArray positions = store.getValue(positionEmbedding, ids.getDevice(), training);
    // x[b, t] = E_tok[id[b, t]] + E_pos[t]; the position rows broadcast over the batch. A shorter
    // sequence uses the
    // first rows, sliced into the batch's manager so that no per-call array is owned by the
    // parameters' manager.
    NDArray x = Embedding.embedding(ids, tokens, SparseFormat.DENSE).head();
    x =
        x.add(
            length == config.context()
                ? positions
                : positions.get(ids.getManager(), new NDIndex(":" + length)));
    NDArray mask = causalMask(tokens.getManager(), length);
    for (DecoderBlock block : blocks) {
      x = block.forward(store, new NDList(x, mask), training, params).head();
    }
    x = finalNorm.forward(store, new NDList(x), training, params).head();
    return head.forward(store, new NDList(x), training, params);
  }

  /**
   * The additive causal attention mask for sequences of {@code length}, T×T: 0 where query i may
   * attend to key j (j ≤ i) and −∞ where not, so that softmax gives later keys a weight of exactly
   * 0. Made once per length and owned by the parameters' manager (it lives as long as the model);
   * it needs no gradient.
   */
  NDArray causalMask(NDManager owner, long length) {
    return masks.computeIfAbsent(
        length,
        n -> {
          int t = Math.toIntExact(n);
          float[] additive = new float[t * t];
          for (int i = 0; i < t; i++) {
            for (int j = i + 1; j < t; j++) {
              additive[i * t + j] = Float.NEGATIVE_INFINITY;
            }
          }
          NDArray mask = owner.create(additive, new Shape(t, t));
          // Made during some forward pass, but kept for the model's life: never closed by that
          // pass's scope.
          NDScope.unregister(mask);
          return mask;
        });
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    return new Shape[] {new Shape(in.get(0), in.get(1), ModelConfig.VOCABULARY)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape in = inputShapes[0];
    Shape hidden = new Shape(in.get(0), in.get(1), config.width());
    Shape mask = new Shape(in.get(1), in.get(1));
    for (DecoderBlock block : blocks) {
      block.initialize(manager, dataType, hidden, mask);
    }
    finalNorm.initialize(manager, dataType, hidden);
    head.initialize(manager, dataType, hidden);
  }
}
