package io.cmrwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.event.LossEventCodec;
import io.cmrwatch.core.synth.Families;
import io.cmrwatch.core.synth.FamilyExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class SynthCommandTest {

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    var cli = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private static List<LossEvent> decode(String jsonl) {
    return Arrays.stream(jsonl.strip().split("\n"))
        .map(l -> LossEventCodec.decode(l.getBytes(StandardCharsets.UTF_8)))
        .toList();
  }

  @Test
  void shouldPrintThePowerFamilyByDefaultAsBefore() {
    Run r = run("synth", "--seed", "9");
    assertThat(r.code()).isZero();
    assertThat(decode(r.out())).isEqualTo(new SyntheticGenerator().generate(9).events());
    assertThat(r.err()).startsWith("experiment synth-9: budget ").contains("true CMR 0.");
  }

  @Test
  void shouldPrintAnotherFamilysExperimentWithItsTrueCmr() {
    Run r = run("synth", "--family", "no-turnover", "--seed", "3", "--observed-fraction", "0.5");
    assertThat(r.code()).isZero();
    FamilyExperiment e = Families.named("no-turnover").generate(3);
    List<LossEvent> events = decode(r.out());
    assertThat(events).isEqualTo(e.eventsUpTo(0.5)).isNotEmpty();
    assertThat(events).allSatisfy(ev -> assertThat(ev.experiment()).isEqualTo("no-turnover-3"));
    assertThat(r.err())
        .contains(
            String.format(
                Locale.ROOT,
                "experiment no-turnover-3: budget %d tokens, true CMR %.4f",
                e.budgetTokens(),
                e.trueCmr()));
  }

  @Test
  void shouldRefuseAnUnknownFamilyNamingTheKnownOnes() {
    Run r = run("synth", "--family", "linear");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .contains("unknown family 'linear'")
        .contains("power, power-design, drift, amplitude-noise, nonpower, exp-recovery");
  }
}
