package io.cmrwatch.ingest.command;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code cmrwatch ingest}: groups the ways loss events get into Kafka from outside (HTTP API, log
 * tailer).
 */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description = "Bring loss events from training jobs into Kafka.",
    subcommands = {ServeCommand.class, TailCommand.class})
public final class IngestCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
