package io.cmrwatch.bench.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos campaign, short: SIGKILLs of the streams app, a wiped state directory and a broker
 * restart under a known input, compared with an undisturbed run ({@code bench/chaos.sh} kills 12
 * times).
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ChaosCampaignIT {

  @Test
  void shouldSettleToTheUndisturbedRunsEstimatesAfterKillsAWipeAndABrokerRestart(@TempDir Path work)
      throws Exception {
    Chaos.Report r = Chaos.run(new Chaos.Options(Jar.cmrwatch(), work, 3, 5, 1, 20));
    System.out.print(r.text());
    assertThat(r.problems()).isEmpty();
    assertThat(r.kills()).isEqualTo(3);
    assertThat(r.wipes()).isEqualTo(1);
    assertThat(r.brokerRestarts()).isEqualTo(1);
    assertThat(r.identicalEstimates()).isEqualTo(r.experiments());
  }
}
