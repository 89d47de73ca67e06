package io.cmrwatch.streams.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cmrwatch.streams.StreamsApp;
import io.cmrwatch.streams.config.AppConfig;
import io.cmrwatch.testkit.KafkaCluster;
import io.cmrwatch.testkit.KafkaExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application id that holds the first topology's state is refused with what to do (starting on
 * it would skip every event before its committed offsets); a new id starts.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class UpgradeIT {

  @TempDir Path dir;

  @Test
  void shouldRefuseAnApplicationIdOfTheFirstTopologyAndSayWhatToDo(KafkaCluster kafka)
      throws Exception {
    AppConfig old = AppFixture.config(kafka, "upgrade", dir.resolve("old"), Map.of());
    // What the first topology left under its application id: its stores' changelogs.
    kafka.createTopics(1, old.applicationId() + "-experiment-runs-changelog");
    assertThatThrownBy(() -> StreamsApp.start(old))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(old.applicationId())
        .hasMessageContaining("new cmrwatch.application-id");
    AppConfig fresh = old.with(Map.of("cmrwatch.application-id", old.applicationId() + "-v2"));
    try (StreamsApp app = StreamsApp.start(fresh)) {
      assertThat(app.awaitRunning(Duration.ofSeconds(90))).isTrue();
    }
  }
}
