package io.cmrwatch.ingest.http;

import io.cmrwatch.core.event.InvalidEventException;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.event.LossEventCodec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits a request body into loss events: a single JSON document, or NDJSON (one event per line,
 * blank lines ignored). Every line goes through {@link LossEventCodec}; an invalid line is recorded
 * with its line number and reason and the others are kept.
 */
public final class BatchDecoder {

  private BatchDecoder() {}

  /** Thrown when an NDJSON body has more non-blank lines than allowed. */
  public static final class TooManyLinesException extends Exception {
    private static final long serialVersionUID = 1L;

    TooManyLinesException(int maxLines) {
      super(
          "the body has more than " + maxLines + " lines; split it into smaller batches",
          null,
          false,
          false);
    }
  }

  /**
   * Decodes one JSON event (the whole body); an invalid body yields one rejected "line 1". The
   * event is re-encoded compactly, since a single document may span several lines.
   */
  public static DecodedBatch single(byte[] body, int length) {
    try {
      LossEvent e = LossEventCodec.decode(Arrays.copyOf(body, length));
      return new DecodedBatch(List.of(e), List.of(LossEventCodec.encode(e)), List.of());
    } catch (InvalidEventException e) {
      return new DecodedBatch(
          List.of(),
          List.of(),
          List.of(new DecodedBatch.RejectedLine(1, e.rejection(), e.getMessage())));
    }
  }

  /**
   * Decodes NDJSON: lines end with {@code \n} (a trailing {@code \r} is dropped); the last line may
   * lack one. What goes to Kafka is the canonical encoding of each event the codec accepted, never
   * the line's own bytes: a consumer reads exactly what was validated (a line over {@link
   * LossEventCodec#MAX_JSON_BYTES} is rejected on its own, and an event's encoding is far below any
   * broker's record limit).
   *
   * @throws TooManyLinesException when there are more than {@code maxLines} non-blank lines
   */
  public static DecodedBatch ndjson(byte[] body, int length, int maxLines)
      throws TooManyLinesException {
    List<LossEvent> events = new ArrayList<>();
    List<byte[]> json = new ArrayList<>();
    List<DecodedBatch.RejectedLine> rejected = new ArrayList<>();
    int lineNo = 0;
    int nonBlank = 0;
    int start = 0;
    while (start < length) {
      int end = start;
      while (end < length && body[end] != '\n') {
        end++;
      }
      lineNo++;
      int stop = end;
      if (stop > start && body[stop - 1] == '\r') {
        stop--;
      }
      if (!isBlank(body, start, stop)) {
        if (++nonBlank > maxLines) {
          throw new TooManyLinesException(maxLines);
        }
        byte[] line = Arrays.copyOfRange(body, start, stop);
        // (The codec rejects a line over its size limit before parsing it.)
        try {
          LossEvent e = LossEventCodec.decode(line);
          events.add(e);
          json.add(LossEventCodec.encode(e));
        } catch (InvalidEventException e) {
          rejected.add(new DecodedBatch.RejectedLine(lineNo, e.rejection(), e.getMessage()));
        }
      }
      start = end + 1;
    }
    return new DecodedBatch(events, json, rejected);
  }

  private static boolean isBlank(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != ' ' && b[i] != '\t') {
        return false;
      }
    }
    return true;
  }
}
