package io.cmrwatch.cli.demo;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What produces the demo's loss events: real continual pre-training, or the simulator. It publishes
 * to the broker until it is done, the deadline passes, or its thread is interrupted.
 */
interface Workload extends AutoCloseable {

  /** The experiment id its events carry. */
  String experiment();

  /** One line saying what it will do, for the start-up banner. */
  String describe();

  /**
   * Streams-app settings this workload's experiment needs (for example its token unit); none by
   * default.
   */
  default Map<String, String> streamsSettings() {
    return Map.of();
  }

  /**
   * Starts its own endpoints (a metrics server), if any, and returns "where it listens" lines for
   * the banner.
   */
  default List<String> openEndpoints() throws Exception {
    return List.of();
  }

  /** Releases what {@link #openEndpoints()} started. */
  @Override
  default void close() throws Exception {}

  /**
   * Publishes the events to {@code bootstrap}, printing progress lines through {@code out}.
   *
   * @return a line to print at the end (what it did), or null
   * @throws InterruptedException when stopped (Ctrl-C)
   */
  String run(String bootstrap, Instant deadline, Consumer<String> out) throws Exception;
}
