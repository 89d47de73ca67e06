package io.cmrwatch.trainer.speed;

import ai.djl.Device;
import io.cmrwatch.trainer.data.Corpus;
import io.cmrwatch.trainer.data.CorpusSource;
import io.cmrwatch.trainer.model.Devices;
import io.cmrwatch.trainer.model.LanguageModelTrainer;
import io.cmrwatch.trainer.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Loss parity of the agent's model with its PyTorch twin for {@code bench/trainer-speed.sh}: writes
 * the model's initial parameters ({@code .npy}) and the training batches into a directory, then
 * trains on those batches and prints the loss of every step as one JSON line. The twin ({@code
 * bench/trainer/torch_twin.py --init DIR}) starts from the same weights and batches, so the two
 * loss curves differ only by what the implementations do differently.
 *
 * <p>Arguments: width layers heads context batch steps threads dir [corpus]: without a corpus, 8
 * batches of random bytes taken in turn (what {@link TrainingSpeed} times); with one, a new batch
 * of its windows every step.
 */
public final class TrainingParity {

  private TrainingParity() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 8) {
      System.err.println(
          "usage: TrainingParity WIDTH LAYERS HEADS CONTEXT BATCH STEPS THREADS DIR [CORPUS]");
      System.exit(2);
    }
    int[] a = new int[7];
    for (int i = 0; i < 7; i++) {
      a[i] = Integer.parseInt(args[i]);
    }
    Path dir = Path.of(args[7]);
    // Random bytes repeated every 8 steps (as in TrainingSpeed), or windows of a corpus (a text
    // file
    // or builtin:general), a new batch every step.
    Corpus text = args.length > 8 ? CorpusSource.of(args[8]).load() : null;
    int distinct = text == null ? 8 : Integer.parseInt(args[5]);
    Devices.configure(null, a[6]);
    ModelConfig config = new ModelConfig(a[0], a[1], a[2], a[3], 4);
    int batch = a[4];
    int steps = a[5];
    SplittableRandom random = new SplittableRandom(1);
    byte[][][] batches = new byte[distinct][batch][config.context() + 1];
    byte[] all = new byte[distinct * batch * (config.context() + 1)];
    int k = 0;
    for (byte[][] b : batches) {
      for (byte[] s : b) {
        if (text != null) {
          System.arraycopy(text.sample(random, s.length), 0, s, 0, s.length);
        } else {
          for (int i = 0; i < s.length; i++) {
            s[i] = (byte) random.nextInt(256);
          }
        }
        System.arraycopy(s, 0, all, k, s.length);
        k += s.length;
      }
    }
    Files.createDirectories(dir);
    Files.write(dir.resolve("batches.bin"), all);
    StringBuilder losses = new StringBuilder();
    long start = System.nanoTime();
    try (LanguageModelTrainer lm = LanguageModelTrainer.create(config, batch, Device.cpu(), 1)) {
      lm.exportNumpy(dir.resolve("init"));
      for (int s = 0; s < steps; s++) {
        float loss = lm.step(batches[s % distinct], 1e-3f);
        losses.append(s == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.5f", loss));
      }
    }
    System.out.printf(
        Locale.ROOT,
        "{\"impl\":\"djl\",\"seconds\":%.2f,\"losses\":[%s]}%n",
        (System.nanoTime() - start) / 1e9,
        losses);
  }
}
