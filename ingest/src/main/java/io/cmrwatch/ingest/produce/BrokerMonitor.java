package io.cmrwatch.ingest.produce;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches whether the Kafka cluster is reachable and the loss-event topic exists (creating it when
 * missing), from a background thread, so that start-up never blocks on the broker and requests can
 * be refused at once with a clear 503 while it is down. A failed send can also mark the broker
 * down; the next successful check marks it up again, which is how the service recovers without a
 * restart.
 */
public final class BrokerMonitor implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(BrokerMonitor.class);

  private final String bootstrap;
  private final String topic;
  private final int partitions;
  private final Duration checkTimeout;
  private final Admin admin;
  private final ScheduledExecutorService scheduler;
  private volatile boolean up;
  private volatile String lastProblem;
  private volatile boolean everUp;
  private final CountDownLatch firstCheck = new CountDownLatch(1);

  /**
   * Creates a monitor; call {@link #start(Duration, Duration)} to begin checking.
   *
   * @param bootstrap Kafka bootstrap servers
   * @param topic the topic that must exist
   * @param partitions partitions to create the topic with when it is missing
   * @param clientProperties extra client properties (security settings), may be empty
   */
  public BrokerMonitor(
      String bootstrap, String topic, int partitions, Map<String, Object> clientProperties) {
    this.bootstrap = bootstrap;
    this.topic = topic;
    this.partitions = partitions;
    this.checkTimeout = Duration.ofSeconds(3);
    this.lastProblem = "the Kafka broker at " + bootstrap + " has not answered yet";
    Map<String, Object> cfg = new java.util.HashMap<>(clientProperties);
    cfg.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cfg.put(AdminClientConfig.CLIENT_ID_CONFIG, "cmrwatch-ingest-monitor");
    cfg.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) checkTimeout.toMillis());
    cfg.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) checkTimeout.toMillis());
    cfg.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
    this.admin = Admin.create(cfg);
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "ingest-broker-monitor");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Starts checking: every {@code downInterval} while the broker is down, every {@code upInterval}
   * while up.
   */
  public void start(Duration downInterval, Duration upInterval) {
    scheduler.execute(() -> loop(downInterval, upInterval));
  }

  private void loop(Duration downInterval, Duration upInterval) {
    check();
    firstCheck.countDown();
    if (!scheduler.isShutdown()) {
      Duration next = up ? upInterval : downInterval;
      scheduler.schedule(
          () -> loop(downInterval, upInterval), next.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Waits up to {@code timeout} for the first check after {@link #start} to finish, so that a
   * service started next to a running broker accepts its first request; returns whether the broker
   * is up. Never waits longer: a service must start with its broker down.
   */
  public boolean awaitFirstCheck(Duration timeout) throws InterruptedException {
    firstCheck.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    return up;
  }

  /** Runs one check now (blocking up to a few seconds) and returns whether the broker is up. */
  public boolean check() {
    try {
      int nodes =
          admin
              .describeCluster()
              .nodes()
              .get(checkTimeout.toMillis(), TimeUnit.MILLISECONDS)
              .size();
      if (nodes == 0) {
        markDown("the cluster at " + bootstrap + " reports no broker");
        return false;
      }
      Set<String> names =
          admin.listTopics().names().get(checkTimeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!names.contains(topic)) {
        createTopic();
      }
      if (!up) {
        LOG.info("Kafka at {} is reachable; topic {} is ready", bootstrap, topic);
      }
      up = true;
      everUp = true;
      lastProblem = null;
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return up;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      markDown(
          "no Kafka broker answers at "
              + bootstrap
              + " ("
              + cause.getClass().getSimpleName()
              + ")");
      return false;
    }
  }

  private void createTopic() throws InterruptedException, ExecutionException, TimeoutException {
    try {
      admin
          .createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty())))
          .all()
          .get(checkTimeout.toMillis(), TimeUnit.MILLISECONDS);
      LOG.info("created topic {} with {} partitions", topic, partitions);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    }
  }

  /** Marks the broker down until the next successful check (called when sends fail or time out). */
  public void markDown(String problem) {
    if (up || !problem.equals(lastProblem)) {
      LOG.warn(
          "{} — answering 503 until it is back; start one with `cmrwatch broker` or check --bootstrap",
          problem);
    }
    up = false;
    lastProblem = problem;
  }

  /** Whether the last check (or send) found the broker reachable. */
  public boolean isUp() {
    return up;
  }

  /** Whether the broker has been reachable at least once since start. */
  public boolean wasEverUp() {
    return everUp;
  }

  /** What is wrong while down, for responses and logs; {@code null} while up. */
  public String problem() {
    return lastProblem;
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    admin.close(Duration.ofSeconds(2));
  }
}
