package io.cmrwatch.kafka.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class KafkaOptionsTest {

  @Command(name = "probe")
  static final class Probe implements Runnable {
    @Mixin KafkaOptions kafka;

    @Override
    public void run() {}
  }

  @Test
  void shouldDefaultToTheLocalBrokerAndNoPrefix() {
    Probe p = new Probe();
    new CommandLine(p).parseArgs();
    assertThat(p.kafka.bootstrap()).isEqualTo("127.0.0.1:9092");
    assertThat(p.kafka.topicPrefix()).isEmpty();
    assertThat(p.kafka.topics().lossEvents().name()).isEqualTo("cpt.loss-events");
  }

  @Test
  void shouldTakeBothOptions() {
    Probe p = new Probe();
    new CommandLine(p).parseArgs("--bootstrap", "kafka:19092", "--topic-prefix", "team-a.");
    assertThat(p.kafka.bootstrap()).isEqualTo("kafka:19092");
    assertThat(p.kafka.topics().ratioAdvice().name()).isEqualTo("team-a.cpt.ratio-advice");
  }

  @Test
  void shouldListBothOptionsInTheUsage() {
    StringWriter usage = new StringWriter();
    new CommandLine(new Probe()).usage(new PrintWriter(usage));
    assertThat(usage.toString())
        .contains("--bootstrap=HOST:PORT", "--topic-prefix=PREFIX", "127.0.0.1:9092");
  }
}
