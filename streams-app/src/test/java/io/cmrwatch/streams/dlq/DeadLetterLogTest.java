package io.cmrwatch.streams.dlq;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class DeadLetterLogTest {

  @Test
  void shouldLogAStormOfDeadLettersAsTheFirstAndOneSummaryPerIntervalWithoutTheirBytes() {
    Logger logger = (Logger) LoggerFactory.getLogger("dlq-log-test");
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    AtomicLong now = new AtomicLong(1_000_000);
    DeadLetterLog log = new DeadLetterLog(logger, Duration.ofSeconds(30), now::get, false);
    String garbage = "x".repeat(5_000);
    for (int i = 0; i < 10_000; i++) {
      log.deadLettered(
          i % 3 == 0 ? "malformed_json" : "key_mismatch",
          "cpt.loss-events",
          i % 6,
          i,
          "not valid JSON: " + garbage,
          null);
      now.addAndGet(1); // 10 s in all: within one interval
    }
    log.flush();
    assertThat(appender.list).hasSize(2);
    String first = appender.list.get(0).getFormattedMessage();
    assertThat(first).contains("cpt.loss-events-0@0").contains("malformed_json");
    assertThat(first.length()).isLessThan(500);
    String summary = appender.list.get(1).getFormattedMessage();
    assertThat(summary)
        .contains("9999 more")
        .contains("key_mismatch=6666")
        .contains("malformed_json=3333");
    // After a quiet interval, the next one is logged at once again.
    now.addAndGet(31_000);
    log.deadLettered("bad_id", "cpt.loss-events", 1, 7, "run contains a lone surrogate", null);
    assertThat(appender.list).hasSize(3);
    assertThat(appender.list.get(2).getFormattedMessage()).contains("@7").contains("bad_id");
  }
}
