package io.cmrwatch.trainer.command;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code cmrwatch train}: pre-training and continual pre-training of the agent's language model.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description =
        "Train the agent's byte-level language model on DJL: pre-train a base, or continue it (CPT).",
    subcommands = {PretrainCommand.class, CptCommand.class})
public final class TrainCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
