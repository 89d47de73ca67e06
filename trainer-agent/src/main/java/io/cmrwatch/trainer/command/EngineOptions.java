package io.cmrwatch.trainer.command;

import io.cmrwatch.trainer.model.Devices;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Options every training command shares: device, threads, DJL's native cache, optimizer basics and
 * output.
 */
public final class EngineOptions {

  @Option(
      names = "--device",
      defaultValue = "auto",
      description = "auto (a GPU when DJL sees one), cpu or gpu (${DEFAULT-VALUE}).")
  String device;

  @Option(
      names = "--threads",
      description = "PyTorch CPU threads (default: PyTorch's choice, the core count).")
  Integer threads;

  @Option(
      names = "--djl-cache-dir",
      description =
          "Where DJL unpacks the PyTorch natives, about 430 MB (default $DJL_CACHE_DIR, else ~/.djl.ai).")
  Path cacheDir;

  @Option(
      names = "--batch-size",
      defaultValue = "16",
      description = "Sequences per optimizer step (${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--lr",
      defaultValue = "1e-3",
      description = "Peak learning rate (${DEFAULT-VALUE}).")
  float learningRate;

  @Option(
      names = "--warmup-steps",
      defaultValue = "10",
      description = "Linear warm-up steps (${DEFAULT-VALUE}).")
  int warmupSteps;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Seed of initialisation and sampling (${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--max-steps",
      defaultValue = "0",
      description = "Stop after this many steps (smoke mode; 0 = no limit).")
  long maxSteps;

  @Option(
      names = "--validation-sequences",
      defaultValue = "64",
      description = "Held-out windows per validation set (${DEFAULT-VALUE}).")
  int validationSequences;

  @Option(
      names = "--metrics-port",
      description = "Serve Prometheus metrics on this port (0 = any free port).")
  Integer metricsPort;

  @Option(
      names = "--metrics-host",
      defaultValue = "127.0.0.1",
      description = "Address the metrics endpoint binds to (${DEFAULT-VALUE}).")
  String metricsHost;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress bar; log one line per evaluation instead.")
  boolean quiet;

  /** Points DJL at its cache and sets the thread count; call before anything touches the engine. */
  void configureEngine() {
    Devices.configure(cacheDir, threads);
  }
}
