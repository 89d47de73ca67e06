package io.cmrwatch.testkit;

import io.cmrwatch.broker.EmbeddedKafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * Starts the Kafka that integration tests run against: a Testcontainers {@code apache/kafka}
 * container when a Docker engine is available ({@link #dockerAvailable()}), the embedded broker
 * otherwise. The system property {@code cmrwatch.test.kafka} ({@code auto}, {@code embedded} or
 * {@code container}) overrides the choice; {@code cmrwatch.test.kafka.image} the image.
 */
public final class KafkaClusters {

  /** The pinned image of the container path; the same Kafka release as the embedded broker. */
  public static final String DEFAULT_IMAGE = "apache/kafka:4.4.0";

  private static final Logger LOG = LoggerFactory.getLogger(KafkaClusters.class);

  private KafkaClusters() {}

  /** A started Kafka, chosen as the class comment says; close it to stop it. */
  public static Running start() {
    String mode = System.getProperty("cmrwatch.test.kafka", "auto").trim().toLowerCase(Locale.ROOT);
    switch (mode) {
      case "embedded":
        return embedded();
      case "container":
        return container();
      case "auto":
        return dockerAvailable() ? container() : embedded();
      default:
        throw new IllegalArgumentException(
            "cmrwatch.test.kafka must be auto, embedded or container, got " + mode);
    }
  }

  /**
   * Whether a Docker engine answers. Where there is no trace of one (no {@code DOCKER_HOST}, no
   * Testcontainers settings, no socket at the usual places) this says no at once, without
   * Testcontainers' error-level report of every strategy it tried; otherwise Testcontainers
   * decides.
   */
  public static boolean dockerAvailable() {
    String home = System.getProperty("user.home", "");
    String runtimeDir = System.getenv("XDG_RUNTIME_DIR");
    boolean trace =
        System.getenv("DOCKER_HOST") != null
            || System.getenv("TESTCONTAINERS_HOST_OVERRIDE") != null
            || Files.exists(Path.of(home, ".testcontainers.properties"))
            || Files.exists(Path.of("/var/run/docker.sock"))
            || Files.exists(Path.of(home, ".docker", "run", "docker.sock"))
            || Files.exists(Path.of(home, ".docker", "desktop", "docker.sock"))
            || (runtimeDir != null
                && (Files.exists(Path.of(runtimeDir, "docker.sock"))
                    || Files.exists(Path.of(runtimeDir, "podman", "podman.sock"))));
    return trace && DockerClientFactory.instance().isDockerAvailable();
  }

  /** The in-JVM broker on 127.0.0.1, with a temporary data dir that is deleted when it stops. */
  public static Running embedded() {
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start();
    LOG.info("integration tests use the embedded Kafka broker at {}", broker.bootstrapServers());
    return new Running(
        new KafkaCluster(broker.bootstrapServers(), KafkaCluster.Kind.EMBEDDED), broker);
  }

  /**
   * A Testcontainers Kafka container; needs a Docker engine.
   *
   * @throws IllegalStateException when no Docker engine is available
   */
  public static Running container() {
    if (!dockerAvailable()) {
      throw new IllegalStateException(
          "no Docker engine is available for a Kafka container — start Docker, or run "
              + "with -Dcmrwatch.test.kafka=embedded");
    }
    String image = System.getProperty("cmrwatch.test.kafka.image", DEFAULT_IMAGE);
    KafkaContainer container = new KafkaContainer(image);
    container.start();
    LOG.info(
        "integration tests use the Kafka container {} at {}",
        image,
        container.getBootstrapServers());
    return new Running(
        new KafkaCluster(container.getBootstrapServers(), KafkaCluster.Kind.CONTAINER),
        container::stop);
  }

  /** A started cluster and the handle that stops it. */
  public static final class Running implements AutoCloseable {

    private final KafkaCluster cluster;
    private final AutoCloseable stopper;

    Running(KafkaCluster cluster, AutoCloseable stopper) {
      this.cluster = cluster;
      this.stopper = stopper;
    }

    /** The cluster's address and test helpers. */
    public KafkaCluster cluster() {
      return cluster;
    }

    /** Stops the broker or container. */
    @Override
    public void close() throws Exception {
      stopper.close();
    }
  }
}
