package io.cmrwatch.trainer.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Chooses the device and prepares DJL's PyTorch engine before it loads: the native cache directory
 * (the natives unpack to about 430 MB) and the number of CPU threads.
 */
public final class Devices {

  /** Environment variable and system property DJL reads for its cache directory. */
  public static final String CACHE_DIR = "DJL_CACHE_DIR";

  private Devices() {}

  /**
   * Sets DJL's cache directory and PyTorch's thread counts. Takes effect only before the engine is
   * first used, so the commands call it first thing.
   *
   * @param cacheDir where DJL unpacks the natives, or null to keep {@code $DJL_CACHE_DIR} or {@code
   *     ~/.djl.ai}
   * @param threads intra-op threads, or null for PyTorch's default
   */
  public static void configure(Path cacheDir, Integer threads) {
    if (cacheDir != null) {
      System.setProperty(CACHE_DIR, cacheDir.toAbsolutePath().toString());
    }
    if (threads != null) {
      if (threads < 1) {
        throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
      }
      System.setProperty("ai.djl.pytorch.num_threads", threads.toString());
      System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
    if (System.getProperty("ai.djl.offline") == null) {
      // The natives come from the class path (pytorch-native-cpu); never try to download them.
      System.setProperty("ai.djl.offline", "true");
    }
  }

  /** {@code auto} (a GPU when DJL sees one, else the CPU), {@code cpu}, or {@code gpu}. */
  public static Device select(String choice) {
    String c = choice == null ? "auto" : choice.toLowerCase(Locale.ROOT);
    switch (c) {
      case "cpu":
        return Device.cpu();
      case "gpu":
        if (Engine.getInstance().getGpuCount() == 0) {
          throw new IllegalArgumentException(
              "--device gpu, but DJL sees no GPU; put CUDA natives on the class path (see docs/trainer.md, GPU) "
                  + "or use --device cpu");
        }
        return Device.gpu();
      case "auto":
        return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
      default:
        throw new IllegalArgumentException("--device must be auto, cpu or gpu, got " + choice);
    }
  }

  /** The engine's name and version, for logs and metrics. */
  public static String engine() {
    Engine e = Engine.getInstance();
    return e.getEngineName() + " " + e.getVersion();
  }
}
