package io.cmrwatch.ingest.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The commands refuse bad options with exit code 2 and a message, before touching Kafka or the
 * network.
 */
class CommandLineTest {

  @TempDir Path dir;

  static int run(Object command, StringWriter err, String... args) {
    CommandLine cl = new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true);
    cl.setErr(new PrintWriter(err));
    return cl.execute(args);
  }

  @Test
  void shouldListServeAndTail() {
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new IngestCommand());
    cl.setOut(new PrintWriter(out));
    assertThat(cl.execute()).isZero();
    assertThat(out.toString()).contains("serve", "tail");
  }

  @Test
  void shouldRefuseAMissingTokenFile() {
    StringWriter err = new StringWriter();
    int code =
        run(
            new ServeCommand(),
            err,
            "--port",
            "0",
            "--tokens-file",
            dir.resolve("absent").toString(),
            "--bootstrap",
            "127.0.0.1:1");
    assertThat(code).isEqualTo(2);
  }

  @Test
  void shouldRefuseAnUnknownFieldInTheMapping() throws Exception {
    Path log = Files.writeString(dir.resolve("log.jsonl"), "");
    StringWriter err = new StringWriter();
    int code =
        run(
            new TailCommand(),
            err,
            "--file",
            log.toString(),
            "--format",
            "jsonl",
            "--map",
            "genLoss=x",
            "--bootstrap",
            "127.0.0.1:1");
    assertThat(code).isEqualTo(2);
  }

  @Test
  void shouldRefuseAnUnknownFormatWithTheChoices() {
    StringWriter err = new StringWriter();
    int code = run(new TailCommand(), err, "--file", "x", "--format", "xml");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("JSONL", "CSV");
  }
}
