package io.cmrwatch.kafka.cli;

import io.cmrwatch.kafka.topic.Topics;
import picocli.CommandLine.Option;

/**
 * The Kafka options every command that talks to Kafka shares, as a picocli mixin ({@code @Mixin
 * KafkaOptions kafka;}): {@code --bootstrap} and {@code --topic-prefix}.
 */
public final class KafkaOptions {

  @Option(
      names = "--bootstrap",
      defaultValue = "127.0.0.1:9092",
      paramLabel = "HOST:PORT",
      description = "Kafka bootstrap servers (${DEFAULT-VALUE}).")
  private String bootstrap;

  @Option(
      names = "--topic-prefix",
      defaultValue = "",
      paramLabel = "PREFIX",
      description = "Prefix of every topic name (default none).")
  private String topicPrefix;

  /** The bootstrap servers given (or the default). */
  public String bootstrap() {
    return bootstrap;
  }

  /** The topic prefix given, possibly empty. */
  public String topicPrefix() {
    return topicPrefix;
  }

  /**
   * The topics under the prefix; an illegal prefix fails with {@link IllegalArgumentException}
   * saying which characters are allowed.
   */
  public Topics topics() {
    return Topics.withPrefix(topicPrefix);
  }
}
