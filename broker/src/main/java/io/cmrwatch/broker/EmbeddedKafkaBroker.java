package io.cmrwatch.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft: broker and controller in this JVM) that binds 127.0.0.1
 * only. It formats its own storage in a data dir on first start and reuses it afterwards, so a
 * broker restarted on the same dir keeps its topics and messages.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
 *   String bootstrap = broker.bootstrapServers(); // "127.0.0.1:41234"
 * }
 * }</pre>
 *
 * <p>Topics are auto-created on first use (Kafka's default, kept on purpose for the one-process
 * demo); the internal offsets, transaction-state and share-state topics have one replica, which
 * exactly-once Kafka Streams needs on a single node.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
  private static final int NODE_ID = 1;
  private static final String HOST = "127.0.0.1";
  private static final String BROKER_LISTENER = "PLAINTEXT";
  private static final String CONTROLLER_LISTENER = "CONTROLLER";

  /**
   * Automatically chosen ports can be taken by someone else between choosing and binding; retry
   * that race.
   */
  private static final int AUTO_PORT_ATTEMPTS = 3;

  private final int requestedPort;
  private Path dataDir;
  private boolean ownsDataDir;
  private final Duration startTimeout;
  private final Map<String, String> extraProperties;

  private KafkaRaftServer server;
  private FileChannel lockChannel;
  private FileLock lock;
  private int brokerPort;
  private int controllerPort;
  private boolean closed;

  private EmbeddedKafkaBroker(Builder builder) {
    this.requestedPort = builder.port;
    this.startTimeout = builder.startTimeout;
    this.extraProperties = Map.copyOf(builder.properties);
    this.dataDir = builder.dataDir == null ? null : builder.dataDir.toAbsolutePath();
  }

  /** Starts describing a broker: free ports and a temporary data dir unless told otherwise. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Formats the data dir if it is new, starts the broker and controller, and waits until a client
   * can see the broker.
   *
   * @return this broker, started
   * @throws PortInUseException if the requested port is taken
   * @throws BrokerStartException if the broker is not ready within the start timeout, or cannot
   *     start at all
   */
  public synchronized EmbeddedKafkaBroker start() {
    if (closed) {
      throw new IllegalStateException(
          "this broker was closed; build a new one on the same data dir to restart it");
    }
    if (server != null) {
      return this;
    }
    long deadline = System.nanoTime() + startTimeout.toNanos();
    if (dataDir == null) {
      try {
        dataDir = Files.createTempDirectory("cmrwatch-broker-");
        ownsDataDir = true;
      } catch (IOException e) {
        throw new BrokerStartException(
            "cannot create a temporary data dir: "
                + e.getMessage()
                + " — pass a data dir that can be written",
            e);
      }
    }
    try {
      lockDataDir();
      for (int attempt = 1; ; attempt++) {
        try {
          startOnce(deadline);
          return this;
        } catch (BrokerStartException e) {
          // A requested port that is taken is final; a port we picked ourselves can be picked
          // again.
          boolean raced =
              !(e instanceof PortInUseException)
                  && isBindFailure(e)
                  && attempt < AUTO_PORT_ATTEMPTS;
          if (!raced) {
            throw e;
          }
          LOG.warn("a chosen port was taken before the broker bound it; retrying with new ports");
        }
      }
    } catch (RuntimeException e) {
      releaseDataDir();
      if (ownsDataDir) {
        deleteRecursively(dataDir);
      }
      closed = true;
      throw e;
    }
  }

  /** The address clients connect to, {@code 127.0.0.1:port}. */
  public synchronized String bootstrapServers() {
    requireStarted();
    return HOST + ":" + brokerPort;
  }

  /** The port of the client (broker) listener. */
  public synchronized int port() {
    requireStarted();
    return brokerPort;
  }

  /**
   * Every listener this broker binds, by listener name ({@code PLAINTEXT} for clients, {@code
   * CONTROLLER} for the KRaft quorum).
   */
  public synchronized Map<String, InetSocketAddress> listeners() {
    requireStarted();
    Map<String, InetSocketAddress> listeners = new LinkedHashMap<>();
    listeners.put(BROKER_LISTENER, new InetSocketAddress(HOST, brokerPort));
    listeners.put(CONTROLLER_LISTENER, new InetSocketAddress(HOST, controllerPort));
    return listeners;
  }

  /**
   * The directory holding the broker's configuration and logs; null before the first start without
   * a given one.
   */
  public synchronized Path dataDir() {
    return dataDir;
  }

  /** True between a successful {@link #start()} and {@link #close()}. */
  public synchronized boolean isRunning() {
    return server != null;
  }

  /**
   * Stops the broker cleanly; deletes the data dir when it was a temporary one. Safe to call twice.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    // Callers often close on interruption (Ctrl-C, a cancelled task); Kafka's controlled shutdown
    // waits on futures
    // and would give up half-way on a pending interrupt. Stop cleanly first, then hand the
    // interrupt back.
    boolean interrupted = Thread.interrupted();
    try {
      stopServer();
      releaseDataDir();
      if (ownsDataDir) {
        deleteRecursively(dataDir);
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void startOnce(long deadline) {
    brokerPort = requestedPort == 0 ? freePort() : requireFree(requestedPort);
    controllerPort = freePort();
    Properties props = serverProperties();
    Path configFile = dataDir.resolve("server.properties");
    writeProperties(props, configFile);
    formatIfNew(configFile);

    KafkaRaftServer candidate;
    try {
      candidate = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
    } catch (RuntimeException e) {
      throw new BrokerStartException(
          "invalid broker configuration in " + configFile + ": " + e.getMessage(), e);
    }
    runStartup(candidate, deadline);
    server = candidate;
    try {
      awaitReady(deadline);
    } catch (BrokerStartException e) {
      stopServer();
      throw e;
    }
    LOG.info(
        "Kafka broker ready at {} (controller 127.0.0.1:{}, data dir {})",
        bootstrapServers(),
        controllerPort,
        dataDir);
  }

  private Properties serverProperties() {
    Properties p = new Properties();
    p.setProperty("process.roles", "broker,controller");
    p.setProperty("node.id", Integer.toString(NODE_ID));
    // A static one-voter quorum: the controller's address lives in this config, not in the metadata
    // log, so a
    // restart may pick another controller port.
    p.setProperty("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
    p.setProperty("controller.listener.names", CONTROLLER_LISTENER);
    p.setProperty("inter.broker.listener.name", BROKER_LISTENER);
    p.setProperty(
        "listener.security.protocol.map",
        BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
    // Loopback only: nothing on another interface can reach this broker.
    p.setProperty(
        "listeners",
        BROKER_LISTENER
            + "://"
            + HOST
            + ":"
            + brokerPort
            + ","
            + CONTROLLER_LISTENER
            + "://"
            + HOST
            + ":"
            + controllerPort);
    p.setProperty("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort);
    p.setProperty("log.dirs", logDir().toString());

    // One node: every internal topic gets one replica. Without the transaction-state settings
    // exactly-once
    // Kafka Streams retries for minutes and then fails.
    p.setProperty("default.replication.factor", "1");
    p.setProperty("min.insync.replicas", "1");
    p.setProperty("offsets.topic.replication.factor", "1");
    p.setProperty("transaction.state.log.replication.factor", "1");
    p.setProperty("transaction.state.log.min.isr", "1");
    p.setProperty("share.coordinator.state.topic.replication.factor", "1");
    p.setProperty("share.coordinator.state.topic.min.isr", "1");
    // Fewer internal partitions than the defaults (50): faster first group/transaction use, fewer
    // files.
    p.setProperty("offsets.topic.num.partitions", "10");
    p.setProperty("transaction.state.log.num.partitions", "10");
    // Nobody else joins a group on one node: do not hold the first rebalance back by 3 s.
    p.setProperty("group.initial.rebalance.delay.ms", "0");
    p.setProperty("auto.create.topics.enable", "true");
    p.setProperty("num.partitions", "1");

    // Small footprint: the broker shares the machine (and often the JVM) with the apps.
    p.setProperty("num.network.threads", "2");
    p.setProperty("num.io.threads", "4");
    p.setProperty("background.threads", "4");
    p.setProperty("num.recovery.threads.per.data.dir", "1");
    p.setProperty("log.cleaner.threads", "1");
    p.setProperty("log.cleaner.dedupe.buffer.size", Integer.toString(16 * 1024 * 1024));

    extraProperties.forEach(p::setProperty);
    return p;
  }

  private Path logDir() {
    return dataDir.resolve("kafka-logs");
  }

  private void formatIfNew(Path configFile) {
    if (Files.exists(logDir().resolve("meta.properties"))) {
      return;
    }
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    int rc;
    try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
      rc =
          StorageTool.execute(
              new String[] {
                "format",
                "--cluster-id",
                Uuid.randomUuid().toString(),
                "--config",
                configFile.toString(),
                "--ignore-formatted"
              },
              out);
    } catch (RuntimeException e) {
      throw new BrokerStartException(
          "cannot format Kafka storage in "
              + logDir()
              + ": "
              + e.getMessage()
              + " — use an empty or previously used broker data dir",
          e);
    }
    if (rc != 0) {
      throw new BrokerStartException(
          "cannot format Kafka storage in "
              + logDir()
              + " (exit code "
              + rc
              + "): "
              + output.toString(StandardCharsets.UTF_8).trim()
              + " — use an empty or previously used broker data dir");
    }
  }

  private void runStartup(KafkaRaftServer candidate, long deadline) {
    ExecutorService executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "cmrwatch-broker-startup");
              t.setDaemon(true);
              return t;
            });
    try {
      Future<?> startup = executor.submit(candidate::startup);
      startup.get(remaining(deadline), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      shutdownQuietly(candidate);
      throw new BrokerStartException(
          "the Kafka broker did not start within "
              + startTimeout.toSeconds()
              + " s — the machine may be overloaded; allow a longer start timeout",
          e);
    } catch (ExecutionException e) {
      shutdownQuietly(candidate);
      Throwable cause = e.getCause();
      if (requestedPort != 0
          && isBindFailure(cause)
          && chain(cause).contains(HOST + ":" + requestedPort)) {
        throw new PortInUseException(requestedPort, cause);
      }
      throw new BrokerStartException("the Kafka broker failed to start: " + cause, cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      shutdownQuietly(candidate);
      throw new BrokerStartException("interrupted while the Kafka broker was starting", e);
    } finally {
      executor.shutdownNow();
    }
  }

  private void awaitReady(long deadline) {
    Map<String, Object> config =
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
    Exception last = null;
    try (Admin admin = Admin.create(config)) {
      while (System.nanoTime() < deadline) {
        try {
          boolean visible =
              admin
                  .describeCluster()
                  .nodes()
                  .get(remaining(deadline), TimeUnit.NANOSECONDS)
                  .stream()
                  .anyMatch(node -> node.id() == NODE_ID);
          if (visible) {
            return;
          }
        } catch (ExecutionException | TimeoutException e) {
          last = e;
        }
        Thread.sleep(100);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BrokerStartException(
          "interrupted while waiting for the Kafka broker to become ready", e);
    }
    throw new BrokerStartException(
        "the Kafka broker at "
            + bootstrapServers()
            + " was not ready within "
            + startTimeout.toSeconds()
            + " s (last error: "
            + last
            + ") — the machine may be overloaded; allow a longer "
            + "start timeout",
        last);
  }

  private void stopServer() {
    if (server != null) {
      shutdownQuietly(server);
      server = null;
    }
  }

  private static void shutdownQuietly(KafkaRaftServer s) {
    try {
      s.shutdown();
      s.awaitShutdown();
    } catch (RuntimeException e) {
      LOG.warn("error while stopping the Kafka broker", e);
    }
  }

  private void lockDataDir() {
    try {
      Files.createDirectories(dataDir);
      lockChannel =
          FileChannel.open(
              dataDir.resolve(".cmrwatch-broker.lock"),
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE);
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException e) {
      throw new BrokerStartException(
          "cannot use broker data dir "
              + dataDir
              + ": "
              + e.getMessage()
              + " — choose a directory that can be written",
          e);
    }
    if (lock == null) {
      releaseDataDir();
      throw new BrokerStartException(
          "broker data dir "
              + dataDir
              + " is in use by another running broker — stop it "
              + "or choose another data dir");
    }
  }

  private void releaseDataDir() {
    try {
      if (lock != null) {
        lock.release();
      }
      if (lockChannel != null) {
        lockChannel.close();
      }
    } catch (IOException e) {
      LOG.warn("cannot release the lock on {}", dataDir, e);
    } finally {
      lock = null;
      lockChannel = null;
    }
  }

  private void requireStarted() {
    if (server == null) {
      throw new IllegalStateException("the broker is not running; call start() first");
    }
  }

  private long remaining(long deadline) {
    return Math.max(1, deadline - System.nanoTime());
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new BrokerStartException(
          "cannot find a free port on " + HOST + ": " + e.getMessage(), e);
    }
  }

  private static int requireFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port), 1);
      return port;
    } catch (IOException e) {
      throw new PortInUseException(port, e);
    }
  }

  private static boolean isBindFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof BindException
          || (c.getMessage() != null && c.getMessage().contains("failed to bind"))) {
        return true;
      }
    }
    return false;
  }

  private static String chain(Throwable t) {
    StringBuilder messages = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      messages.append(c).append('\n');
    }
    return messages.toString();
  }

  private static void writeProperties(Properties props, Path file) {
    try (OutputStream out = Files.newOutputStream(file)) {
      props.store(
          out,
          "Written by cmrwatch on every start; edit the code or pass properties, not this file.");
    } catch (IOException e) {
      throw new BrokerStartException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths
          .sorted(Comparator.reverseOrder())
          .forEach(
              path -> {
                try {
                  Files.deleteIfExists(path);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("cannot delete the temporary broker data dir {}", dir, e);
    }
  }

  /** Options for an {@link EmbeddedKafkaBroker}; every one has a default. */
  public static final class Builder {

    private int port;
    private Path dataDir;
    private Duration startTimeout = Duration.ofSeconds(60);
    private final Map<String, String> properties = new LinkedHashMap<>();

    private Builder() {}

    /** The client port on 127.0.0.1; 0 (the default) picks a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException(
            "port must be 0 (any free port) or 1-65535, got " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Where the broker keeps its configuration and logs. It is formatted on first use and reused
     * afterwards. Without one, a temporary directory is used and deleted on {@link
     * EmbeddedKafkaBroker#close()}.
     */
    public Builder dataDir(Path dataDir) {
      this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
      return this;
    }

    /**
     * How long {@link EmbeddedKafkaBroker#start()} waits for the broker to be ready (default 60 s).
     */
    public Builder startTimeout(Duration startTimeout) {
      if (startTimeout.isNegative() || startTimeout.isZero()) {
        throw new IllegalArgumentException("start timeout must be positive, got " + startTimeout);
      }
      this.startTimeout = startTimeout;
      return this;
    }

    /**
     * A Kafka server property that overrides the defaults (for example {@code
     * log.retention.hours}).
     */
    public Builder property(String key, String value) {
      properties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Builds the broker; nothing runs until {@link EmbeddedKafkaBroker#start()}. */
    public EmbeddedKafkaBroker build() {
      return new EmbeddedKafkaBroker(this);
    }
  }
}
