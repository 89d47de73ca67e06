package io.cmrwatch.ingest.tail;

import io.cmrwatch.core.event.InvalidEventException;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.event.Rejection;
import io.cmrwatch.ingest.produce.EventSink;
import io.cmrwatch.ingest.produce.PublishException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a growing training log and publishes one loss event per line. Only complete lines (ending
 * in a newline) are read; a line still being written waits. The position is checkpointed after
 * Kafka has acknowledged the events of the lines before it, so a restart resumes exactly after the
 * last acknowledged line. Rotation is followed both ways loggers do it: rename and create (the old
 * file is read to its end, then the new one from its start, also when the rename happened while the
 * tailer was stopped) and copy-truncate (the same file shrinks: read again from 0). Malformed lines
 * are reported, counted and skipped.
 */
public final class LogTailer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LogTailer.class);
  private static final int CHUNK = 1 << 20;

  private final Path file;
  private final Path checkpointFile;
  private final LineMapper mapper;
  private final EventSink sink;
  private final Duration poll;
  private final TailStats stats = new TailStats();
  private volatile boolean stopping;

  private FileChannel ch;
  private String key;
  private long offset;

  /** The open file is no longer at {@link #file}: read it to the end, then switch. */
  private boolean rotatedAway;

  /** Inside a line longer than {@link #CHUNK}: skip to its end. */
  private boolean skippingLongLine;

  private String cachedPrefixHash;
  private String savedHash;
  private long savedHashLength;
  private boolean toldMissing;

  /**
   * @param file the log to follow
   * @param checkpointFile where the position is kept
   * @param mapper line-to-event mapping
   * @param sink where events go (the Kafka publisher)
   * @param poll how often to look for new lines when there are none
   */
  public LogTailer(
      Path file, Path checkpointFile, LineMapper mapper, EventSink sink, Duration poll) {
    this.file = file;
    this.checkpointFile = checkpointFile;
    this.mapper = mapper;
    this.sink = sink;
    this.poll = poll;
  }

  /** What has been done so far. */
  public TailStats stats() {
    return stats;
  }

  /** Asks {@link #run()} to return after the current batch. */
  public void stop() {
    stopping = true;
  }

  /**
   * Follows the file until {@link #stop()}.
   *
   * @throws PublishException when Kafka refuses events for a reason retrying cannot fix
   *     (authorization, ...)
   */
  public void run() throws IOException, InterruptedException, PublishException {
    while (!stopping) {
      if (pollOnce() == 0 && !stopping) {
        Thread.sleep(poll.toMillis());
      }
    }
  }

  /**
   * One step: opens the file if needed, publishes every complete new line, follows a rotation or
   * truncation.
   *
   * @return lines consumed (0 when there was nothing new)
   */
  public int pollOnce() throws IOException, InterruptedException, PublishException {
    if (ch == null && !open()) {
      return 0;
    }
    if (!rotatedAway && rewrittenUnderUs()) {
      LOG.info(
          "{}: truncated and rewritten (copy-truncate rotation), reading again from the start",
          file);
      offset = 0;
      cachedPrefixHash = null;
      savedHash = null;
      stats.rotated();
    }
    int consumed = readAvailable();
    if (consumed > 0 || stopping) {
      return consumed;
    }
    if (rotatedAway) {
      LOG.info(
          "{}: finished the rotated file at byte {}, continuing with the new file", file, offset);
      switchToCurrentFile();
      stats.rotated();
      return 0;
    }
    String now;
    try {
      now = Checkpoint.fileKey(file);
    } catch (IOException e) {
      return 0; // between rename and create: keep the old file until the new one appears
    }
    if (!now.equals(key)) {
      rotatedAway = true; // drain the old file on the next step, then switch
    } else if (ch.size() < offset) {
      LOG.info("{}: truncated (copy-truncate rotation), reading again from the start", file);
      offset = 0;
      cachedPrefixHash = null;
      savedHash = null;
      stats.rotated();
    }
    return 0;
  }

  /**
   * Opens the file at the checkpointed position; returns false when the file does not exist yet.
   */
  private boolean open() throws IOException, InterruptedException, PublishException {
    if (!Files.exists(file)) {
      if (!toldMissing) {
        LOG.info("{} does not exist yet; waiting for it to appear", file);
        toldMissing = true;
      }
      return false;
    }
    Optional<Checkpoint> cp = Checkpoint.read(checkpointFile);
    FileChannel fresh = FileChannel.open(file, StandardOpenOption.READ);
    String freshKey = Checkpoint.fileKey(file);
    if (cp.isEmpty()) {
      use(fresh, freshKey, 0);
      return true;
    }
    Checkpoint c = cp.get();
    if (c.fileKey().equals(freshKey)) {
      if (matches(fresh, c)) {
        use(fresh, freshKey, c.offset());
        LOG.info("{}: resuming at byte {} from checkpoint {}", file, c.offset(), checkpointFile);
      } else {
        LOG.warn(
            "{}: shorter than or different from the checkpoint (truncated or rewritten); reading from the start",
            file);
        use(fresh, freshKey, 0);
      }
      return true;
    }
    // Rotated while stopped: finish the old file (if it is still beside the new one) before the new
    // one.
    Optional<Path> old = findByKey(c.fileKey());
    if (old.isPresent()) {
      FileChannel oldCh = FileChannel.open(old.get(), StandardOpenOption.READ);
      if (matches(oldCh, c)) {
        fresh.close();
        use(oldCh, c.fileKey(), c.offset());
        rotatedAway = true;
        LOG.info(
            "{}: rotated to {} while stopped; finishing it from byte {} first",
            file,
            old.get(),
            c.offset());
        return true;
      }
      oldCh.close();
    }
    LOG.warn(
        "{}: the checkpointed file is gone (rotated away and removed?); reading the current file from the start",
        file);
    use(fresh, freshKey, 0);
    return true;
  }

  /**
   * Whether the file's first bytes differ from when the position was last saved: a copy-truncate
   * rotation whose new content already reaches past our offset (the size check alone cannot see
   * that).
   */
  private boolean rewrittenUnderUs() throws IOException {
    if (savedHash == null || offset == 0) {
      return false;
    }
    return ch.size() < savedHashLength
        || !Checkpoint.prefixHash(ch, savedHashLength).equals(savedHash);
  }

  private static boolean matches(FileChannel fc, Checkpoint c) throws IOException {
    return fc.size() >= c.offset() && Checkpoint.prefixHash(fc, c.offset()).equals(c.prefixHash());
  }

  private Optional<Path> findByKey(String wanted) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        if (Files.isRegularFile(p) && !p.equals(file.toAbsolutePath())) {
          try {
            if (Checkpoint.fileKey(p).equals(wanted)) {
              return Optional.of(p);
            }
          } catch (IOException ignored) {
            // vanished while listing
          }
        }
      }
    }
    return Optional.empty();
  }

  private void use(FileChannel fc, String k, long at) throws IOException {
    ch = fc;
    key = k;
    offset = at;
    rotatedAway = false;
    skippingLongLine = false;
    cachedPrefixHash = null;
    savedHash = null;
    if (mapper.needsHeader() && at > 0) {
      readHeader();
    }
  }

  private void switchToCurrentFile() throws IOException {
    ch.close();
    ch = null;
    if (Files.exists(file)) {
      use(FileChannel.open(file, StandardOpenOption.READ), Checkpoint.fileKey(file), 0);
    }
  }

  private void readHeader() throws IOException {
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, ch.size()));
    ch.read(buf, 0);
    String s = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
    int nl = s.indexOf('\n');
    if (nl >= 0) {
      mapper.header(s.substring(0, nl).replace("\r", ""));
    }
  }

  /**
   * Reads and publishes the complete lines after {@link #offset}; returns how many lines were
   * consumed.
   */
  private int readAvailable() throws IOException, InterruptedException, PublishException {
    long size = ch.size();
    if (offset >= size) {
      return 0;
    }
    int n = (int) Math.min(CHUNK, size - offset);
    ByteBuffer buf = ByteBuffer.allocate(n);
    while (buf.hasRemaining()) {
      if (ch.read(buf, offset + buf.position()) < 0) {
        break;
      }
    }
    byte[] b = buf.array();
    int len = buf.position();
    List<LossEvent> events = new ArrayList<>();
    int lines = 0;
    int start = 0;
    for (int i = 0; i < len; i++) {
      if (b[i] == '\n') {
        if (skippingLongLine) {
          skippingLongLine = false;
        } else {
          line(b, start, i, offset + start, events);
        }
        lines++;
        start = i + 1;
      }
    }
    if (start < len) {
      boolean atEnd = offset + len >= size;
      if (rotatedAway && atEnd) {
        // The writer has moved on: the old file's unterminated last line is complete as it will
        // ever be.
        if (!skippingLongLine) {
          line(b, start, len, offset + start, events);
        }
        skippingLongLine = false;
        lines++;
        start = len;
      } else if (start == 0 && len == CHUNK) {
        // No newline in a whole chunk: a runaway line. Report it once and skip to its end.
        if (!skippingLongLine) {
          LOG.warn("{}: line at byte {} is longer than {} bytes; skipped", file, offset, CHUNK);
          stats.countMalformed(Rejection.MALFORMED_JSON);
        }
        skippingLongLine = true;
        start = len;
      }
    }
    if (start == 0) {
      return 0;
    }
    if (!events.isEmpty() && !publish(events)) {
      return 0; // stopping before Kafka acknowledged: keep the position, the lines are read again
      // next time
    }
    offset += start;
    saveCheckpoint();
    return Math.max(lines, 1);
  }

  /**
   * Publishes, retrying (with backoff) what the broker may later accept; returns false only when
   * stopping.
   */
  private boolean publish(List<LossEvent> events) throws InterruptedException, PublishException {
    long backoff = 500;
    while (true) {
      try {
        sink.publish(events);
        stats.published(events.size());
        return true;
      } catch (PublishException e) {
        if (e.kind() == PublishException.Kind.FATAL) {
          throw e;
        }
        LOG.warn(
            "{}: could not publish {} events ({}); retrying in {} ms",
            file,
            events.size(),
            e.getMessage(),
            backoff);
        if (stopping) {
          return false;
        }
        Thread.sleep(backoff);
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }

  private void line(byte[] b, int from, int to, long at, List<LossEvent> events) {
    if (to > from && b[to - 1] == '\r') {
      to--;
    }
    String s = new String(b, from, to - from, StandardCharsets.UTF_8);
    if (s.isBlank()) {
      return;
    }
    if (mapper.needsHeader()) {
      mapper.header(s);
      return;
    }
    if (mapper.isHeader(s)) {
      return;
    }
    try {
      events.add(mapper.map(s));
    } catch (InvalidEventException e) {
      stats.countMalformed(e.rejection());
      LOG.warn(
          "{}: skipped the line at byte {}: {} ({})",
          file,
          at,
          e.getMessage(),
          e.rejection().code());
    }
  }

  private void saveCheckpoint() throws IOException {
    String hash = cachedPrefixHash;
    if (hash == null) {
      hash = Checkpoint.prefixHash(ch, offset);
      if (offset >= Checkpoint.PREFIX_BYTES) {
        cachedPrefixHash = hash;
      }
    }
    new Checkpoint(key, offset, hash).write(checkpointFile);
    savedHash = hash;
    savedHashLength = Math.min(offset, Checkpoint.PREFIX_BYTES);
  }

  @Override
  public void close() throws IOException {
    if (ch != null) {
      ch.close();
      ch = null;
    }
  }
}
