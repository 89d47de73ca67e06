package io.cmrwatch.streams.admin;

import io.cmrwatch.kafka.topic.TopicNames;
import io.cmrwatch.streams.config.AppConfig;
import io.cmrwatch.streams.topology.StoreNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the app checks and creates on its broker at start-up: that its application id does not hold
 * an incompatible earlier state, and its topics when they are missing (the loss-event input, the
 * dead-letter topic, the four output topics, and the compacted experiment-settings topic). Existing
 * topics are left as they are.
 */
public final class TopicSetup {

  private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);

  private TopicSetup() {}

  /**
   * The topics with their settings; {@code cpt.experiments} is compacted (latest settings per
   * experiment).
   */
  public static List<NewTopic> topics(TopicNames names, int partitions, short replication) {
    List<NewTopic> topics = new ArrayList<>();
    for (String name : names.all()) {
      NewTopic t = new NewTopic(name, partitions, replication);
      if (name.equals(names.experiments())) {
        t.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
      }
      topics.add(t);
    }
    return topics;
  }

  /**
   * Checks that the application id does not hold the first topology's state, then creates the
   * missing topics when {@code cmrwatch.topics.create} is on; returns the names it created.
   *
   * @throws IllegalStateException when the broker cannot be reached within {@code timeout}, or the
   *     application id is one of the first topology's, saying what to do
   */
  public static Set<String> prepare(AppConfig cfg, Duration timeout) {
    String bootstrap = cfg.bootstrap();
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000));
    try (Admin admin = Admin.create(p)) {
      Set<String> existing =
          admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      String first = cfg.applicationId() + "-" + StoreNames.FIRST_TOPOLOGY_STORE + "-changelog";
      if (existing.contains(first)) {
        // Its committed offsets would skip every event before them, and its state is not
        // readable by this topology: starting would lose those events.
        throw new IllegalStateException(
            "application id "
                + cfg.applicationId()
                + " holds the state of the first streams topology (topic "
                + first
                + "), which this version does not read — pass a new cmrwatch.application-id (the"
                + " default is cmrwatch-streams-v2): it rebuilds its state from "
                + cfg.topicNames().lossEvents()
                + " (see docs/streams.md, Upgrading)");
      }
      if (!cfg.createTopics()) {
        return Set.of();
      }
      TopicNames names = cfg.topicNames();
      int partitions = cfg.partitions();
      short replication = cfg.replication();
      List<NewTopic> missing =
          topics(names, partitions, replication).stream()
              .filter(t -> !existing.contains(t.name()))
              .toList();
      if (missing.isEmpty()) {
        return Set.of();
      }
      var result = admin.createTopics(missing);
      Set<String> created = new java.util.TreeSet<>();
      for (var e : result.values().entrySet()) {
        try {
          e.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
          created.add(e.getKey());
        } catch (ExecutionException ex) {
          if (!(ex.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException(
                "cannot create topic "
                    + e.getKey()
                    + ": "
                    + ex.getCause().getMessage()
                    + " (check cmrwatch.topics.replication against the number of brokers)",
                ex.getCause());
          }
        }
      }
      LOG.info("created topics {}", created);
      return created;
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "no Kafka broker answered at "
              + bootstrap
              + " within "
              + timeout.toSeconds()
              + " s — start one with `cmrwatch broker` or pass --bootstrap",
          e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot list topics at "
              + bootstrap
              + ": "
              + e.getCause().getMessage()
              + " — start a broker with `cmrwatch broker` or pass --bootstrap",
          e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }
}
