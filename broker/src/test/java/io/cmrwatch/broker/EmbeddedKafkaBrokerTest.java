package io.cmrwatch.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Options and misuse of the broker are caught before anything starts, with a message that says what
 * to do.
 */
class EmbeddedKafkaBrokerTest {

  @Test
  void shouldRejectPortsOutsideTheTcpRange() {
    assertThatThrownBy(() -> EmbeddedKafkaBroker.builder().port(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0 (any free port) or 1-65535");
    assertThatThrownBy(() -> EmbeddedKafkaBroker.builder().port(65_536))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got 65536");
  }

  @Test
  void shouldRejectANonPositiveStartTimeout() {
    assertThatThrownBy(() -> EmbeddedKafkaBroker.builder().startTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be positive");
  }

  @Test
  void shouldSayToStartFirstWhenAskedForItsAddressEarly() {
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build();

    assertThatThrownBy(broker::bootstrapServers)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("call start() first");
    assertThat(broker.isRunning()).isFalse();
    assertThat(broker.dataDir()).isNull();
  }

  @Test
  void shouldRefuseADataDirThatIsAFile(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(file).build();

    assertThatThrownBy(broker::start)
        .isInstanceOf(BrokerStartException.class)
        .hasMessageContaining("cannot use broker data dir " + file)
        .hasMessageContaining("choose a directory that can be written");
    assertThatThrownBy(broker::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("build a new one");
  }

  @Test
  void shouldCloseTwiceWithoutHarm() {
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build();

    broker.close();
    broker.close();

    assertThat(broker.isRunning()).isFalse();
  }
}
