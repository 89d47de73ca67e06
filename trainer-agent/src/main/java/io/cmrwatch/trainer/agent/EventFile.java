package io.cmrwatch.trainer.agent;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.event.LossEventCodec;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * Loss events appended to a JSONL file, one event per line in the shared schema (what {@code
 * cmrwatch fit --events} and the ingest tailer read). An event whose id the file already holds is
 * not written again, so a resumed run appends only what is new. Each line is flushed as written.
 */
final class EventFile implements AutoCloseable {

  private final Path path;
  private final Set<String> written = new HashSet<>();
  private final BufferedWriter out;

  /** Opens (or creates) the file and reads the ids of the events it already holds. */
  EventFile(Path path) {
    this.path = path;
    try {
      if (path.getParent() != null) {
        Files.createDirectories(path.getParent());
      }
      if (Files.isRegularFile(path)) {
        for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
          if (!line.isBlank()) {
            written.add(LossEventCodec.decode(line).eventId());
          }
        }
      }
      out =
          Files.newBufferedWriter(
              path, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the events file " + path, e);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "the events file "
              + path
              + " holds a line that is not a loss event ("
              + e.getMessage()
              + "); give another --events-out",
          e);
    }
  }

  /** Appends the event unless the file holds its id already; returns whether it was written. */
  boolean append(LossEvent event) {
    if (!written.add(event.eventId())) {
      return false;
    }
    try {
      out.write(LossEventCodec.encodeToString(event));
      out.newLine();
      out.flush();
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write to the events file " + path, e);
    }
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close the events file " + path, e);
    }
  }
}
