package io.cmrwatch.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Oldest first across the tasks of a stream thread ({@link Turns}). The topology test driver runs
 * one task on the test thread, so the other task is played by a queue the test reports for on that
 * thread: while it has an older item waiting, the task neither refits on arrival nor in its
 * punctuations; once it withdraws, the task catches up.
 */
class TurnsTopologyTest {

  @TempDir Path dir;

  private long now = Harness.START.toEpochMilli();

  /**
   * Advances the wall clock {@code steps} punctuations, the other queue reporting an item that has
   * waited 20 s: only items that waited 10 s may go.
   */
  private void holdBy(Turns other, Harness h, int steps) {
    for (int i = 0; i < steps; i++) {
      other.waiting(now - 20_000, now);
      h.advance(Duration.ofMillis(100));
      now += 100;
    }
  }

  @Test
  void shouldLeaveRunsWaitingWhileAnotherTaskOfTheThreadHasAnOlderOne() {
    List<LossEvent> events = new SyntheticGenerator().generate(5).events();
    Turns other = new Turns(Turns.Level.RUN, 100, 60_000);
    try (Harness h = new Harness(dir, CmrTopologyTest.settings())) {
      other.waiting(now - 20_000, now);
      h.send(events.get(0));
      holdBy(other, h, 15);
      assertThat(h.runFits.isEmpty())
          .as("no refit while an older run of another task waits")
          .isTrue();

      other.waiting(Long.MAX_VALUE, now);
      h.advance(Duration.ofMillis(100));
      assertThat(h.runFits.readRecordsToList()).hasSize(1);

      // Nothing waits anywhere: a new run's first event is refitted on arrival.
      LossEvent next =
          events.stream()
              .filter(e -> !e.run().equals(events.get(0).run()))
              .findFirst()
              .orElseThrow();
      h.send(next);
      assertThat(h.runFits.readRecordsToList()).hasSize(1);
    } finally {
      other.close();
    }
  }

  @Test
  void shouldLeaveAnExperimentWaitingWhileAnotherTaskOfTheThreadHasAnOlderOne() {
    SyntheticExperiment exp = new SyntheticGenerator().generate(5);
    Turns other = new Turns(Turns.Level.EXPERIMENT, 100, 60_000);
    try (Harness h = new Harness(dir, CmrTopologyTest.settings())) {
      other.waiting(now - 20_000, now);
      h.send(exp.events());
      holdBy(other, h, 40);
      assertThat(h.runFits.isEmpty()).as("the runs are refitted").isFalse();
      assertThat(h.estimates.isEmpty())
          .as("no recompute while an older experiment of another task waits")
          .isTrue();

      other.waiting(Long.MAX_VALUE, now);
      h.settle();
      assertThat(Harness.json(h.estimates))
          .isNotEmpty()
          .last()
          .satisfies(e -> assertThat(e.get("experiment").asText()).isEqualTo(exp.experiment()));
    } finally {
      other.close();
    }
  }
}
