package io.cmrwatch.streams;

import io.cmrwatch.streams.config.AppConfig;
import io.cmrwatch.streams.config.ConfigException;
import io.cmrwatch.streams.config.ConfigKey;
import io.cmrwatch.streams.config.ConfigLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cmrwatch streams}: runs the streams app until interrupted. */
@Command(
    name = "streams",
    mixinStandardHelpOptions = true,
    description =
        "Runs the Kafka Streams app: live run fits, CMR estimates, alerts, ratio advice, HTTP queries "
            + "and Prometheus metrics.")
public final class StreamsCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(StreamsCommand.class);

  @Option(
      names = "--bootstrap",
      description = "Kafka bootstrap servers (HOST:PORT); overrides cmrwatch.bootstrap")
  String bootstrap;

  @Option(names = "--config", description = "config file (Java properties, cmrwatch.* keys)")
  Path config;

  @Option(
      names = "--http-port",
      description = "HTTP port (0 = any free port); overrides cmrwatch.http.port")
  Integer httpPort;

  @Override
  public Integer call() throws Exception {
    Map<String, String> overrides = new LinkedHashMap<>();
    if (bootstrap != null) {
      overrides.put(ConfigKey.BOOTSTRAP.key(), bootstrap);
    }
    if (httpPort != null) {
      overrides.put(ConfigKey.HTTP_PORT.key(), httpPort.toString());
    }
    AppConfig cfg;
    try {
      cfg = ConfigLoader.load(config, overrides);
    } catch (ConfigException e) {
      System.err.println("cmrwatch streams: " + e.getMessage());
      return 2;
    }
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    // The JVM does not wait for the main thread at exit, only for shutdown hooks: the hook waits
    // for the close.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stop.countDown();
                  try {
                    closed.await(40, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "cmrwatch-streams-shutdown"));
    try (StreamsApp app = StreamsApp.start(cfg)) {
      System.out.println(
          "cmrwatch streams: application "
              + cfg.applicationId()
              + " on "
              + cfg.bootstrap()
              + "; HTTP "
              + app.url()
              + "/ (metrics at /metrics)");
      if (!app.awaitRunning(Duration.ofMinutes(2))) {
        LOG.warn("not RUNNING after 2 minutes (state {}); still trying", app.streams().state());
      }
      stop.await();
      LOG.info("stopping");
    } catch (IllegalStateException e) {
      LOG.error("cmrwatch streams: {}", e.getMessage());
      return 1;
    } finally {
      closed.countDown();
    }
    return 0;
  }
}
