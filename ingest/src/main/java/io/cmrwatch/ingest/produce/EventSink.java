package io.cmrwatch.ingest.produce;

import io.cmrwatch.core.event.LossEvent;
import java.util.List;

/**
 * Where validated loss events go; returns only once they are durably accepted (for Kafka:
 * acknowledged).
 */
public interface EventSink {

  /** Delivers {@code events}, all or (on an exception) possibly some of them. */
  void publish(List<LossEvent> events) throws PublishException, InterruptedException;
}
