package io.cmrwatch.cli;

import io.cmrwatch.broker.BrokerStartException;
import io.cmrwatch.broker.EmbeddedKafkaBroker;
import io.cmrwatch.broker.PortInUseException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cmrwatch broker}: runs the embedded Kafka broker on 127.0.0.1 until interrupted, for other
 * processes.
 */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description =
        "Runs a single-node Kafka broker (KRaft) on 127.0.0.1 until interrupted (Ctrl-C).")
public final class BrokerCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--port",
      defaultValue = "9092",
      description = "Client port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Keeps topics and messages across restarts (default: a temporary directory, deleted on exit).")
  Path dataDir;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder().port(port);
    if (dataDir != null) {
      builder.dataDir(dataDir);
    }
    EmbeddedKafkaBroker broker;
    try {
      broker = builder.build().start();
    } catch (PortInUseException e) {
      err.println(
          "cmrwatch broker: "
              + e.getMessage()
              + ": --port "
              + (port + 1)
              + ", or --port 0 for any "
              + "free port");
      return 1;
    } catch (BrokerStartException e) {
      err.println("cmrwatch broker: " + e.getMessage());
      return 1;
    }
    Thread hook = new Thread(broker::close, "cmrwatch-broker-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.println(
        "cmrwatch broker: bootstrap "
            + broker.bootstrapServers()
            + " (data dir "
            + broker.dataDir()
            + (dataDir == null ? ", deleted on exit)" : ")"));
    out.flush();
    err.println("cmrwatch broker: running; Ctrl-C stops it");
    try {
      new CountDownLatch(1).await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      broker.close();
      removeQuietly(hook);
    }
    return 0;
  }

  private static void removeQuietly(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down and runs the hook itself.
    }
  }
}
