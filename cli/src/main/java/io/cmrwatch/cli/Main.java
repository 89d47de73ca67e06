package io.cmrwatch.cli;

import io.cmrwatch.cli.demo.DemoCommand;
import io.cmrwatch.ingest.command.IngestCommand;
import io.cmrwatch.streams.StreamsCommand;
import io.cmrwatch.trainer.command.SimulateCommand;
import io.cmrwatch.trainer.command.TrainCommand;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code cmrwatch} program: one command whose subcommands are the project's deployable parts.
 * Each subcommand lives beside the module it runs; this class only wires them.
 */
@Command(
    name = "cmrwatch",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Live Critical-Mixture-Ratio monitoring for continual pre-training.",
    subcommands = {
      DemoCommand.class,
      BrokerCommand.class,
      IngestCommand.class,
      StreamsCommand.class,
      TrainCommand.class,
      SimulateCommand.class,
      LawCommand.class,
      FitCommand.class,
      SynthCommand.class
    })
public final class Main implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Builds the command line; tests call this to run commands in-process. */
  public static CommandLine commandLine() {
    return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
  }

  public static void main(String[] args) {
    // Kafka and DJL log through java.util.logging in places; route it to SLF4J like everything
    // else.
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    System.exit(commandLine().execute(args));
  }
}
