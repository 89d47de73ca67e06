package io.cmrwatch.streams.it;

import io.cmrwatch.streams.StreamsCommand;
import picocli.CommandLine;

/** Runs {@code cmrwatch streams} in a child JVM, so that a test can kill it abruptly (SIGKILL). */
public final class StreamsProcess {

  private StreamsProcess() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new StreamsCommand()).execute(args));
  }
}
