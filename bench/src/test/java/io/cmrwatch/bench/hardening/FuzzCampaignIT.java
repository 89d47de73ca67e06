package io.cmrwatch.bench.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fuzz campaign, short: a few thousand hostile inputs against real broker, ingest and streams
 * processes ({@code bench/fuzz.sh} sends 100,000+).
 */
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class FuzzCampaignIT {

  @Test
  void shouldRejectEveryHostileInputAndCountEveryValidEventOnce(@TempDir Path work)
      throws Exception {
    Fuzz.Report r = Fuzz.run(new Fuzz.Options(Jar.cmrwatch(), work, 2_500, 11, 200));
    System.out.print(r.text());
    assertThat(r.problems()).isEmpty();
    assertThat(r.inputs()).isGreaterThanOrEqualTo(2_500);
    assertThat(r.validSent()).isPositive();
    assertThat(r.validCounted()).isEqualTo(r.validSent());
    assertThat(r.hostileOnTopic()).isPositive();
    assertThat(r.dlqReasons().values().stream().mapToLong(Long::longValue).sum())
        .isEqualTo(r.hostileOnTopic());
  }
}
