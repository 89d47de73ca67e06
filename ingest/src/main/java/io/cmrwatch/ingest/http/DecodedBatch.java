package io.cmrwatch.ingest.http;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.event.Rejection;
import java.util.List;

/**
 * A request body split into valid events and rejected lines.
 *
 * @param events the valid events, in body order
 * @param json each valid event's JSON, as it will be written to Kafka (same order as {@code
 *     events})
 * @param rejected the invalid lines, in body order
 */
public record DecodedBatch(List<LossEvent> events, List<byte[]> json, List<RejectedLine> rejected) {

  public DecodedBatch {
    events = List.copyOf(events);
    json = List.copyOf(json);
    rejected = List.copyOf(rejected);
    if (events.size() != json.size()) {
      throw new IllegalArgumentException("events and json differ in size");
    }
  }

  /**
   * One line that is not a valid event.
   *
   * @param line 1-based line number in the body
   * @param reason the machine-readable reason
   * @param message what is wrong, for a person
   */
  public record RejectedLine(int line, Rejection reason, String message) {}
}
