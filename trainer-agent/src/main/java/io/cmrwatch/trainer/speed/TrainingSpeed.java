package io.cmrwatch.trainer.speed;

import ai.djl.Device;
import io.cmrwatch.trainer.model.Devices;
import io.cmrwatch.trainer.model.LanguageModelTrainer;
import io.cmrwatch.trainer.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Measures training throughput of the agent's model for {@code bench/trainer-speed.sh}: a number of
 * warm-up steps, then timed optimizer steps on random byte batches; prints one JSON line with
 * tokens per second and the process's peak resident memory. The same measurement is made of the
 * PyTorch twin in {@code bench/trainer/torch_twin.py}.
 *
 * <p>Arguments: width layers heads context batch warmupSteps steps threads.
 */
public final class TrainingSpeed {

  private TrainingSpeed() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 8) {
      System.err.println(
          "usage: TrainingSpeed WIDTH LAYERS HEADS CONTEXT BATCH WARMUP STEPS THREADS");
      System.exit(2);
    }
    int[] a = new int[8];
    for (int i = 0; i < 8; i++) {
      a[i] = Integer.parseInt(args[i]);
    }
    Devices.configure(null, a[7]);
    ModelConfig config = new ModelConfig(a[0], a[1], a[2], a[3], 4);
    int batch = a[4];
    SplittableRandom random = new SplittableRandom(1);
    byte[][][] batches = new byte[8][batch][config.context() + 1];
    for (byte[][] b : batches) {
      for (byte[] s : b) {
        for (int i = 0; i < s.length; i++) {
          s[i] = (byte) random.nextInt(256);
        }
      }
    }
    try (LanguageModelTrainer lm = LanguageModelTrainer.create(config, batch, Device.cpu(), 1)) {
      for (int s = 0; s < a[5]; s++) {
        lm.step(batches[s % batches.length], 1e-3f);
      }
      com.sun.management.OperatingSystemMXBean os =
          (com.sun.management.OperatingSystemMXBean)
              java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      long cpuStart = os.getProcessCpuTime();
      long start = System.nanoTime();
      float loss = 0;
      for (int s = 0; s < a[6]; s++) {
        loss = lm.step(batches[s % batches.length], 1e-3f);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      double cpuSeconds = (os.getProcessCpuTime() - cpuStart) / 1e9;
      double tokens = (double) a[6] * batch * config.context();
      // Tokens per CPU second (the whole process's CPU time, JIT and GC included) is far less
      // sensitive to other
      // load on the machine than tokens per wall-clock second.
      System.out.printf(
          Locale.ROOT,
          "{\"impl\":\"djl\",\"tokensPerSecond\":%.1f,\"tokensPerCpuSecond\":%.1f,\"peakRssMiB\":%.1f,"
              + "\"parameters\":%d,\"lastLoss\":%.4f}%n",
          tokens / seconds,
          tokens / cpuSeconds,
          peakRssMiB(),
          lm.parameterCount(),
          loss);
    }
  }

  // VmHWM: the peak resident set size of this process, as the kernel counts it.
  private static double peakRssMiB() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    }
    return Double.NaN;
  }
}
