package io.cmrwatch.ingest.tail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Where the tailer stands in a log file: the byte offset after the last line whose events Kafka
 * acknowledged, and the file's identity (its file key — device and inode on Linux — plus a hash of
 * its first bytes) so that a restart can tell "same file, resume here" from "rotated or truncated,
 * start over". Written atomically (temporary file, then rename), so a crash leaves the previous
 * checkpoint or the new one, never a torn one.
 *
 * @param fileKey the file key of the file read, as text
 * @param offset byte offset of the next unread byte
 * @param prefixHash SHA-256 (hex) of the file's first {@code min(offset, 4096)} bytes
 */
public record Checkpoint(String fileKey, long offset, String prefixHash) {

  /** Bytes at the start of a file covered by {@link #prefixHash}. */
  static final int PREFIX_BYTES = 4096;

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Reads a checkpoint, or empty when the file does not exist; a corrupt file is an error naming
   * it.
   */
  public static Optional<Checkpoint> read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      JsonNode n = JSON.readTree(file.toFile());
      return Optional.of(
          new Checkpoint(
              n.get("fileKey").asText(), n.get("offset").asLong(), n.get("prefixHash").asText()));
    } catch (IOException | RuntimeException e) {
      throw new IOException(
          "checkpoint "
              + file
              + " is unreadable ("
              + e.getMessage()
              + "); delete it to start from the beginning "
              + "of the log",
          e);
    }
  }

  /**
   * Writes atomically: to a temporary file beside {@code file}, forced to disk, then renamed over
   * it.
   */
  public void write(Path file) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("fileKey", fileKey);
    n.put("offset", offset);
    n.put("prefixHash", prefixHash);
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve(file.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(ByteBuffer.wrap(JSON.writeValueAsBytes(n)));
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * The identity of a file: its file key (device and inode on Linux), or its path where the
   * platform has none.
   */
  static String fileKey(Path file) throws IOException {
    Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    return key == null ? file.toAbsolutePath().toString() : key.toString();
  }

  /** SHA-256 (hex) of the first {@code min(limit, PREFIX_BYTES)} bytes read through {@code ch}. */
  static String prefixHash(FileChannel ch, long limit) throws IOException {
    int n = (int) Math.min(limit, PREFIX_BYTES);
    ByteBuffer buf = ByteBuffer.allocate(n);
    long pos = 0;
    while (buf.hasRemaining()) {
      int r = ch.read(buf, pos);
      if (r < 0) {
        break;
      }
      pos += r;
    }
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(buf.array(), 0, buf.position());
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
