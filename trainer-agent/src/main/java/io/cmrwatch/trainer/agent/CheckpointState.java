package io.cmrwatch.trainer.agent;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * The training-loop state a CPT checkpoint holds besides the model: where the run is, its base
 * losses, the mixer's counters, the advice consumed, and every evaluation so far. Written
 * atomically as {@code state.json} beside the model directory it names.
 *
 * @param experiment experiment id
 * @param run run id
 * @param base base checkpoint the run started from
 * @param modelDir sub-directory holding the model and optimizer state
 * @param tokens CPT tokens trained
 * @param step optimizer steps taken
 * @param ratio target domain share
 * @param domainTokens domain tokens mixed
 * @param mixedTokens all tokens mixed
 * @param nextEvalTokens token count of the next evaluation
 * @param baseGeneralLoss Lgen(0)
 * @param baseDomainLoss Ldom(0)
 * @param lastChangeTokens tokens at the last ratio change, or −1
 * @param adviceOffsets next advice offset to read, per partition
 * @param evaluations every evaluation so far, T = 0 first
 */
public record CheckpointState(
    String experiment,
    String run,
    String base,
    String modelDir,
    long tokens,
    long step,
    double ratio,
    long domainTokens,
    long mixedTokens,
    long nextEvalTokens,
    double baseGeneralLoss,
    double baseDomainLoss,
    long lastChangeTokens,
    Map<Integer, Long> adviceOffsets,
    List<Evaluation> evaluations) {

  /** File name of the state inside a checkpoint directory. */
  public static final String FILE = "state.json";

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** The state in {@code dir}, or null when the directory holds none. */
  public static CheckpointState read(Path dir) {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      return JSON.readValue(file.toFile(), CheckpointState.class);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "checkpoint state "
              + file
              + " is unreadable ("
              + e.getMessage()
              + "); delete the directory to start over",
          e);
    }
  }

  /** Writes the state atomically: a reader sees the old or the new file, never half of one. */
  public void write(Path dir) {
    try {
      Files.createDirectories(dir);
      Path tmp = dir.resolve(FILE + ".tmp");
      JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), this);
      Files.move(
          tmp,
          dir.resolve(FILE),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint state to " + dir, e);
    }
  }
}
