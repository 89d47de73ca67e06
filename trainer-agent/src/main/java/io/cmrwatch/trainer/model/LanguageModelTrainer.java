package io.cmrwatch.trainer.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Owns one language model and its DJL trainer: takes optimizer steps on byte batches, measures
 * validation loss, and saves or restores parameters and optimizer state. Close it to free the
 * native memory (model, trainer, optimizer state); every per-step array lives in a sub-manager
 * closed at the end of the step.
 */
public final class LanguageModelTrainer implements AutoCloseable {

  /** File holding the model shape inside a checkpoint directory. */
  public static final String CONFIG_FILE = "model.json";

  private static final String PARAMS_FILE = "model.params";
  private static final String OPTIMIZER_FILE = "optimizer.ndlist";
  private static final String OPTIMIZER_INDEX_FILE = "optimizer.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ModelConfig config;
  private final int batchSize;
  private final Model model;
  private final Trainer trainer;
  private final StatefulAdam optimizer;
  private final Device device;
  private final List<Parameter> trainable = new ArrayList<>();

  private LanguageModelTrainer(ModelConfig config, int batchSize, Device device, Path parameters) {
    this.config = config;
    this.batchSize = batchSize;
    this.device = device;
    Model m = Model.newInstance("cmrwatch-lm", device);
    Trainer t = null;
    try {
      CausalLanguageModel block = new CausalLanguageModel(config);
      m.setBlock(block);
      if (parameters != null) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(parameters))) {
          block.loadParameters(m.getNDManager(), new DataInputStream(in));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read model parameters " + parameters, e);
        } catch (MalformedModelException e) {
          throw new IllegalArgumentException(
              "model parameters "
                  + parameters
                  + " do not match the model shape in "
                  + CONFIG_FILE
                  + " or were written by an older model version ("
                  + e.getMessage()
                  + "); pre-train a new base with `cmrwatch train pretrain`",
              e);
        }
      }
      optimizer = new StatefulAdam(1e-3f);
      // Mean cross-entropy over every position of every sequence: logits on the last axis, byte ids
      // as labels.
      Loss loss = new NextByteLoss();
      DefaultTrainingConfig trainingConfig =
          new DefaultTrainingConfig(loss).optOptimizer(optimizer).optDevices(new Device[] {device});
      t = m.newTrainer(trainingConfig);
      t.initialize(new Shape(batchSize, config.context()));
    } catch (RuntimeException e) {
      if (t != null) {
        t.close();
      }
      m.close();
      throw e;
    }
    this.model = m;
    this.trainer = t;
    for (Pair<String, Parameter> p : m.getBlock().getParameters()) {
      if (p.getValue().requiresGradient()) {
        trainable.add(p.getValue());
      }
    }
  }

  /**
   * A freshly initialised model; the engine's random seed is set first so that initialisation is
   * repeatable.
   */
  public static LanguageModelTrainer create(
      ModelConfig config, int batchSize, Device device, int seed) {
    Engine.getInstance().setRandomSeed(seed);
    return new LanguageModelTrainer(config, batchSize, device, null);
  }

  /**
   * A model restored from a checkpoint directory (written by {@link #save}); optimizer state too if
   * present.
   */
  public static LanguageModelTrainer load(
      Path dir, int batchSize, Device device, int seed, boolean withOptimizer) {
    ModelConfig config = readConfig(dir);
    Path params = dir.resolve(PARAMS_FILE);
    if (!Files.isRegularFile(params)) {
      throw new IllegalArgumentException(
          "no model parameters in "
              + dir
              + " (expected "
              + PARAMS_FILE
              + "; make one with `cmrwatch train pretrain`)");
    }
    Engine.getInstance().setRandomSeed(seed);
    LanguageModelTrainer lm = new LanguageModelTrainer(config, batchSize, device, params);
    if (withOptimizer) {
      lm.loadOptimizer(dir);
    }
    return lm;
  }

  /** Reads the model shape of a checkpoint directory. */
  public static ModelConfig readConfig(Path dir) {
    Path file = dir.resolve(CONFIG_FILE);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          "not a model checkpoint: "
              + dir
              + " has no "
              + CONFIG_FILE
              + " (make one with `cmrwatch train pretrain --out DIR`)");
    }
    try {
      return JSON.readValue(file.toFile(), ModelConfig.class);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** The model shape. */
  public ModelConfig config() {
    return config;
  }

  /** Sequences per optimizer step. */
  public int batchSize() {
    return batchSize;
  }

  /** The device the model lives on. */
  public Device device() {
    return device;
  }

  /** Number of trainable scalars. */
  public long parameterCount() {
    long n = 0;
    for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
      n += p.getValue().getArray().size();
    }
    return n;
  }

  /**
   * One optimizer step on a batch of byte sequences, each {@code context + 1} bytes long (inputs
   * are bytes 0..T−1, labels bytes 1..T). Returns the batch's mean training loss.
   */
  public float step(byte[][] sequences, float learningRate) {
    optimizer.setLearningRate(learningRate);
    try (NDManager batch = trainer.getManager().newSubManager()) {
      NDList[] xy = toArrays(batch, sequences);
      float value;
      try (GradientCollector collector = trainer.newGradientCollector()) {
        NDArray loss;
        // Every array the forward pass makes is released before the backward pass, as eager PyTorch
        // does once the
        // last reference goes: autograd holds what it needs, and frees each saved activation as
        // soon as its part of
        // the backward pass is done, so gradients reuse that memory while it is still in cache
        // instead of piling up
        // on top of a step's worth of activations.
        try (NDScope forward = new NDScope()) {
          NDList logits = trainer.forward(xy[0]);
          loss = trainer.getLoss().evaluate(xy[1], logits);
          NDScope.unregister(loss);
        }
        collector.backward(loss);
        value = loss.getFloat();
      }
      update();
      return value;
    }
  }

  /**
   * One Adam update of every parameter from its gradient. What {@code Trainer.step()} does on one
   * device, without its parameter server's copy of each gradient (made only to sum gradients across
   * devices; this model lives on one). The update also zeroes the gradient for the next step.
   */
  private void update() {
    for (Parameter p : trainable) {
      NDArray weight = p.getArray();
      try (NDArray gradient = weight.getGradient()) {
        optimizer.update(p.getId(), weight, gradient);
      }
    }
  }

  /** Mean next-byte cross-entropy (nats per byte) over the sequences, in inference mode. */
  public double evaluate(List<byte[]> sequences) {
    double sum = 0;
    long count = 0;
    for (int from = 0; from < sequences.size(); from += batchSize) {
      List<byte[]> part = sequences.subList(from, Math.min(sequences.size(), from + batchSize));
      try (NDManager batch = trainer.getManager().newSubManager()) {
        NDList[] xy = toArrays(batch, part.toArray(new byte[0][]));
        NDList logits = trainer.evaluate(xy[0]);
        float mean = trainer.getLoss().evaluate(xy[1], logits).getFloat();
        sum += (double) mean * part.size();
        count += part.size();
      }
    }
    return sum / count;
  }

  /** Logits B×T×256 for the inputs, in training or inference mode (used to check causality). */
  public float[][][] logits(byte[][] inputs, boolean training) {
    try (NDManager batch = trainer.getManager().newSubManager()) {
      NDArray x = ids(batch, inputs, 0, inputs[0].length);
      NDArray out =
          model
              .getBlock()
              .forward(new ai.djl.training.ParameterStore(batch, false), new NDList(x), training)
              .head();
      float[] flat = out.toFloatArray();
      int b = inputs.length;
      int t = inputs[0].length;
      float[][][] result = new float[b][t][ModelConfig.VOCABULARY];
      for (int i = 0; i < b; i++) {
        for (int j = 0; j < t; j++) {
          System.arraycopy(
              flat, (i * t + j) * ModelConfig.VOCABULARY, result[i][j], 0, ModelConfig.VOCABULARY);
        }
      }
      return result;
    }
  }

  private NDList[] toArrays(NDManager manager, byte[][] sequences) {
    int length = config.context();
    for (byte[] s : sequences) {
      if (s.length != length + 1) {
        throw new IllegalArgumentException(
            "each sequence must hold context + 1 = " + (length + 1) + " bytes, got " + s.length);
      }
    }
    return new NDList[] {
      new NDList(ids(manager, sequences, 0, length)), new NDList(ids(manager, sequences, 1, length))
    };
  }

  private static NDArray ids(NDManager manager, byte[][] sequences, int offset, int length) {
    long[] ids = new long[sequences.length * length];
    for (int i = 0; i < sequences.length; i++) {
      for (int j = 0; j < length; j++) {
        ids[i * length + j] = sequences[i][offset + j] & 0xFF;
      }
    }
    return manager.create(ids, new Shape(sequences.length, length));
  }

  /**
   * Writes every parameter as a NumPy {@code .npy} file (float32, little-endian) named after the
   * parameter, so that another implementation of the same model can start from the same weights
   * ({@code bench/trainer/torch_twin.py --init DIR}).
   */
  public void exportNumpy(Path dir) {
    try {
      Files.createDirectories(dir);
      for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
        NDArray a = p.getValue().getArray();
        float[] values = a.toFloatArray();
        long[] shape = a.getShape().getShape();
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
          dims.append(d).append(", ");
        }
        String header =
            "{'descr': '<f4', 'fortran_order': False, 'shape': ("
                + (shape.length == 1
                    ? dims.toString().trim()
                    : dims.substring(0, dims.length() - 2))
                + "), }";
        // The header is padded with spaces and a newline to a multiple of 64 bytes (format 1.0).
        int unpadded = 10 + header.length() + 1;
        header = header + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        java.nio.ByteBuffer buf =
            java.nio.ByteBuffer.allocate(10 + header.length() + 4 * values.length)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        buf.put((byte) 0x93).put("NUMPY".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        buf.put((byte) 1).put((byte) 0).putShort((short) header.length());
        buf.put(header.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        buf.asFloatBuffer().put(values);
        Files.write(dir.resolve(p.getKey() + ".npy"), buf.array());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write parameters to " + dir, e);
    }
  }

  /** Writes shape, parameters and optimizer state into {@code dir} (created if needed). */
  public void save(Path dir) {
    try {
      Files.createDirectories(dir);
      JSON.writeValue(dir.resolve(CONFIG_FILE).toFile(), config);
      try (OutputStream out =
          new BufferedOutputStream(Files.newOutputStream(dir.resolve(PARAMS_FILE)))) {
        model.getBlock().saveParameters(new DataOutputStream(out));
      }
      Map<String, Integer> index = new LinkedHashMap<>();
      NDList moments = new NDList();
      for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
        StatefulAdam.State s = optimizer.state(p.getValue().getId());
        if (s != null) {
          index.put(p.getKey(), s.count());
          moments.add(s.mean());
          moments.add(s.variance());
        }
      }
      try (OutputStream out =
          new BufferedOutputStream(Files.newOutputStream(dir.resolve(OPTIMIZER_FILE)))) {
        moments.encode(out);
      }
      JSON.writeValue(dir.resolve(OPTIMIZER_INDEX_FILE).toFile(), index);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint to " + dir, e);
    }
  }

  private void loadOptimizer(Path dir) {
    Path index = dir.resolve(OPTIMIZER_INDEX_FILE);
    Path data = dir.resolve(OPTIMIZER_FILE);
    if (!Files.isRegularFile(index) || !Files.isRegularFile(data)) {
      return;
    }
    try (NDManager scratch = model.getNDManager().newSubManager();
        InputStream in = new BufferedInputStream(Files.newInputStream(data))) {
      @SuppressWarnings("unchecked")
      Map<String, Integer> counts = JSON.readValue(index.toFile(), LinkedHashMap.class);
      NDList moments = NDList.decode(scratch, in);
      Map<String, Parameter> byName = new LinkedHashMap<>();
      for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
        byName.put(p.getKey(), p.getValue());
      }
      List<String> names = new ArrayList<>(counts.keySet());
      if (moments.size() != 2 * names.size()) {
        throw new IllegalArgumentException(
            "optimizer state in " + dir + " is incomplete; delete the checkpoint");
      }
      for (int i = 0; i < names.size(); i++) {
        Parameter p = byName.get(names.get(i));
        if (p == null) {
          throw new IllegalArgumentException(
              "optimizer state in " + dir + " names an unknown parameter " + names.get(i));
        }
        optimizer.restore(
            p.getId(),
            p.getArray(),
            moments.get(2 * i),
            moments.get(2 * i + 1),
            counts.get(names.get(i)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read optimizer state from " + dir, e);
    }
  }

  @Override
  public void close() {
    trainer.close();
    model.close();
  }
}
