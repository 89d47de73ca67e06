package io.cmrwatch.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cmrwatch.core.summary.RunSummaryCodec;
import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import io.cmrwatch.streams.state.RunState;
import io.cmrwatch.streams.state.RunUpdate;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run updates: a header and the summary as an analysis reads it, received bytes stored unchanged,
 * the two earlier layouts read.
 */
class RunUpdateCodecTest {

  @TempDir Path dir;

  private RunState fittedRun() {
    SyntheticExperiment exp = new SyntheticGenerator().generate(11);
    try (Harness h = new Harness(dir, CmrTopologyTest.settings())) {
      exp.events().forEach(h::send);
      h.settle();
      KeyValueStore<String, RunState> runs = h.driver.getKeyValueStore(StoreNames.RUN_STATE);
      try (KeyValueIterator<String, RunState> it = runs.all()) {
        return it.next().value;
      }
    }
  }

  @Test
  void shouldRoundTripAndReadTheEarlierLayout() throws IOException {
    RunState s = fittedRun();
    assertThat(s.fit).isNotNull();
    RunUpdate u = new RunUpdate(s.fit, s.summary(), 0.75, 1234L);
    byte[] bytes = u.encode();
    RunUpdate back = RunUpdate.decode(bytes);
    assertThat(back.run()).isEqualTo(s.summary().run());
    assertThat(back.ratio()).isEqualTo(s.fit.ratio());
    assertThat(back.latestRatio()).isEqualTo(0.75);
    assertThat(back.oldestEventTimestamp()).isEqualTo(1234L);
    // The summary as an analysis reads it, without the fingerprints that only the run step's
    // deduplication needs.
    assertThat(back.summary().analysisOnly()).isTrue();
    assertThat(RunSummaryCodec.encode(back.summary()))
        .isEqualTo(RunSummaryCodec.encodeForAnalysis(s.summary()));
    assertThat(back.summary().contentHash()).isEqualTo(s.summary().contentHash());
    assertThat(back.encode()).isSameAs(bytes); // stored as received
    // The fit is not shipped (the experiment step never read it): the update is the summary and a
    // small header.
    assertThat(bytes.length)
        .isLessThan(RunSummaryCodec.encodeForAnalysis(s.summary()).length + 64)
        .isLessThan(RunSummaryCodec.encode(s.summary()).length);

    // Version 2: header, then the fit's JSON (skipped), then the summary.
    ByteArrayOutputStream v2 = new ByteArrayOutputStream();
    DataOutputStream o2 = new DataOutputStream(v2);
    byte[] sum2 = RunSummaryCodec.encode(s.summary());
    o2.writeByte(2);
    o2.writeUTF(s.summary().run());
    o2.writeDouble(s.fit.ratio());
    o2.writeDouble(0.25);
    o2.writeLong(77L);
    o2.writeInt(s.fitBytes().length);
    o2.write(s.fitBytes());
    o2.writeInt(sum2.length);
    o2.write(sum2);
    RunUpdate second = RunUpdate.decode(v2.toByteArray());
    assertThat(second.run()).isEqualTo(s.summary().run());
    assertThat(second.ratio()).isEqualTo(s.fit.ratio());
    assertThat(second.latestRatio()).isEqualTo(0.25);
    assertThat(second.oldestEventTimestamp()).isEqualTo(77L);
    assertThat(RunSummaryCodec.encode(second.summary())).isEqualTo(sum2);
    assertThat(second.encode()[0])
        .isEqualTo((byte) 3); // rewritten in the current layout, without fingerprints
    assertThat(RunUpdate.decode(second.encode()).summary().contentHash())
        .isEqualTo(s.summary().contentHash());

    // Version 1: fit JSON, summary, latest ratio, timestamp.
    ByteArrayOutputStream v1 = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(v1);
    byte[] summary = RunSummaryCodec.encode(s.summary());
    out.writeByte(1);
    out.writeInt(s.fitBytes().length);
    out.write(s.fitBytes());
    out.writeInt(summary.length);
    out.write(summary);
    out.writeDouble(0.5);
    out.writeLong(99L);
    RunUpdate old = RunUpdate.decode(v1.toByteArray());
    assertThat(old.run()).isEqualTo(s.summary().run());
    assertThat(old.latestRatio()).isEqualTo(0.5);
    assertThat(old.oldestEventTimestamp()).isEqualTo(99L);
    assertThat(RunUpdate.decode(old.encode()).latestRatio())
        .isEqualTo(0.5); // rewritten in the current layout

    byte[] unknown = bytes.clone();
    unknown[0] = 7;
    assertThatThrownBy(() -> RunUpdate.decode(unknown)).hasMessageContaining("version 7");
  }
}
