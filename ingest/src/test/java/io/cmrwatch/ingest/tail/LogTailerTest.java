package io.cmrwatch.ingest.tail;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.event.Rejection;
import io.cmrwatch.ingest.produce.EventSink;
import io.cmrwatch.ingest.produce.PublishException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tailer against real files, delivering into an in-memory sink (the Kafka path is covered by
 * TailIT).
 */
class LogTailerTest {

  static final Map<String, String> FIXED =
      Map.of(
          "experiment",
          "exp",
          "run",
          "r1",
          "ratio",
          "0.25",
          "baseGeneralLoss",
          "2.3",
          "baseDomainLoss",
          "2.2");

  @TempDir Path dir;

  /** Keeps what it is given; can be told to fail, like a broker that is down. */
  static final class ListSink implements EventSink {
    final List<LossEvent> events = new ArrayList<>();
    int failuresLeft;

    @Override
    public void publish(List<LossEvent> batch) throws PublishException {
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new PublishException(PublishException.Kind.UNAVAILABLE, "broker down (test)", null);
      }
      events.addAll(batch);
    }

    List<Long> tokens() {
      return events.stream().map(LossEvent::tokens).toList();
    }
  }

  static String line(long tokens) {
    return "{\"tokens\":"
        + tokens
        + ",\"generalLoss\":2.3,\"domainLoss\":"
        + (2.0 - tokens * 1e-3)
        + "}\n";
  }

  static void append(Path f, String s) throws IOException {
    Files.writeString(
        f, s, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  LogTailer tailer(Path log, ListSink sink) {
    return new LogTailer(
        log,
        dir.resolve("cp.json"),
        new LineMapper(LogFormat.JSONL, Map.of(), FIXED, null),
        sink,
        Duration.ofMillis(10));
  }

  static void drain(LogTailer t) throws Exception {
    for (int i = 0; i < 10; i++) {
      t.pollOnce();
    }
  }

  @Test
  void shouldPickUpAppendsButNotAnUnfinishedLine() throws Exception {
    Path log = dir.resolve("train.jsonl");
    ListSink sink = new ListSink();
    try (LogTailer t = tailer(log, sink)) {
      assertThat(t.pollOnce()).isZero(); // no file yet
      append(log, line(1) + line(2));
      drain(t);
      assertThat(sink.tokens()).containsExactly(1L, 2L);
      String third = line(3);
      append(log, third.substring(0, 10));
      drain(t);
      assertThat(sink.tokens()).containsExactly(1L, 2L);
      append(log, third.substring(10));
      drain(t);
      assertThat(sink.tokens()).containsExactly(1L, 2L, 3L);
    }
  }

  @Test
  void shouldResumeFromTheCheckpointWithoutLossOrRepeat() throws Exception {
    Path log = dir.resolve("train.jsonl");
    ListSink sink = new ListSink();
    append(log, line(1) + line(2));
    try (LogTailer t = tailer(log, sink)) {
      drain(t);
    }
    append(log, line(3) + line(4)); // written while the tailer is stopped
    try (LogTailer t = tailer(log, sink)) {
      drain(t);
      append(log, line(5));
      drain(t);
    }
    assertThat(sink.tokens()).containsExactly(1L, 2L, 3L, 4L, 5L);
  }

  @Test
  void shouldNotAdvanceTheCheckpointUntilTheSinkAccepts() throws Exception {
    Path log = dir.resolve("train.jsonl");
    ListSink sink = new ListSink();
    append(log, line(1));
    sink.failuresLeft = 1;
    LogTailer t = tailer(log, sink);
    t.stop(); // a stop during a failed publish must leave the lines for the next start
    t.pollOnce();
    t.close();
    assertThat(sink.events).isEmpty();
    try (LogTailer again = tailer(log, sink)) {
      drain(again);
    }
    assertThat(sink.tokens()).containsExactly(1L);
  }

  @Test
  void shouldFollowRenameRotationIncludingTheOldFilesLastLines() throws Exception {
    Path log = dir.resolve("train.jsonl");
    ListSink sink = new ListSink();
    try (LogTailer t = tailer(log, sink)) {
      append(log, line(1));
      drain(t);
      append(log, line(2) + line(3).trim()); // the last line of the old file never gets its newline
      Files.move(log, dir.resolve("train.jsonl.1"));
      append(log, line(4));
      drain(t);
      append(log, line(5));
      drain(t);
      assertThat(t.stats().rotations()).isEqualTo(1);
    }
    assertThat(sink.tokens()).containsExactly(1L, 2L, 3L, 4L, 5L);
  }

  @Test
  void shouldFinishTheRotatedFileWhenRotationHappenedWhileStopped() throws Exception {
    Path log = dir.resolve("train.jsonl");
    ListSink sink = new ListSink();
    append(log, line(1));
    try (LogTailer t = tailer(log, sink)) {
      drain(t);
    }
    append(log, line(2));
    Files.move(log, dir.resolve("train.jsonl.1"));
    append(log, line(3));
    try (LogTailer t = tailer(log, sink)) {
      drain(t);
    }
    assertThat(sink.tokens()).containsExactly(1L, 2L, 3L);
  }

  @Test
  void shouldFollowCopyTruncate() throws Exception {
    Path log = dir.resolve("train.jsonl");
    ListSink sink = new ListSink();
    try (LogTailer t = tailer(log, sink)) {
      append(log, line(1) + line(2));
      drain(t);
      Files.copy(log, dir.resolve("train.jsonl.1"));
      Files.write(log, new byte[0], StandardOpenOption.TRUNCATE_EXISTING);
      drain(t);
      append(log, line(3));
      drain(t);
    }
    assertThat(sink.tokens()).containsExactly(1L, 2L, 3L);
  }

  @Test
  void shouldNoticeACopyTruncateWhoseNewContentIsAlreadyLongerThanTheOld() throws Exception {
    Path log = dir.resolve("train.jsonl");
    ListSink sink = new ListSink();
    try (LogTailer t = tailer(log, sink)) {
      append(log, line(1) + line(2));
      drain(t);
      Files.write(log, new byte[0], StandardOpenOption.TRUNCATE_EXISTING);
      append(log, line(30) + line(40) + line(50)); // before the tailer looks again
      drain(t);
      assertThat(t.stats().rotations()).isEqualTo(1);
    }
    assertThat(sink.tokens()).containsExactly(1L, 2L, 30L, 40L, 50L);
  }

  @Test
  void shouldSkipAndCountMalformedLines() throws Exception {
    Path log = dir.resolve("train.jsonl");
    ListSink sink = new ListSink();
    append(
        log,
        line(1)
            + "epoch 3 done\n"
            + "{\"tokens\":-5,\"generalLoss\":2,\"domainLoss\":1}\n\n"
            + line(2));
    try (LogTailer t = tailer(log, sink)) {
      drain(t);
      assertThat(t.stats().malformed()).isEqualTo(2);
      assertThat(t.stats().malformed(Rejection.MALFORMED_JSON)).isEqualTo(1);
      assertThat(t.stats().malformed(Rejection.NEGATIVE_TOKENS)).isEqualTo(1);
      assertThat(t.stats().published()).isEqualTo(2);
    }
    assertThat(sink.tokens()).containsExactly(1L, 2L);
  }

  @Test
  void shouldReadCsvWithItsHeaderAlsoAfterARestart() throws Exception {
    Path log = dir.resolve("train.csv");
    ListSink sink = new ListSink();
    append(log, "tokens,gen,dom\n100,2.3,2.0\n");
    java.util.function.Supplier<LogTailer> make =
        () ->
            new LogTailer(
                log,
                dir.resolve("cp.json"),
                new LineMapper(
                    LogFormat.CSV, Map.of("generalLoss", "gen", "domainLoss", "dom"), FIXED, null),
                sink,
                Duration.ofMillis(10));
    try (LogTailer t = make.get()) {
      drain(t);
    }
    append(log, "200,2.3,1.9\n");
    try (LogTailer t = make.get()) {
      drain(t);
    }
    assertThat(sink.tokens()).containsExactly(100L, 200L);
  }
}
