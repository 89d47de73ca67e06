package io.cmrwatch.streams.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @TempDir Path dir;

  @Test
  void shouldLayerFileOverEnvironmentOverDefaults() throws Exception {
    Path file = dir.resolve("streams.properties");
    Files.writeString(
        file,
        "cmrwatch.bootstrap=file:9092\ncmrwatch.http.port=9001\n"
            + "cmrwatch.kafka.max.poll.records=77\n");
    AppConfig cfg =
        ConfigLoader.load(
            file,
            Map.of(
                "CMRWATCH_HTTP_PORT",
                "9002",
                "CMRWATCH_DEFAULTS_EPSILON",
                "0.07",
                "CMRWATCH_JAVA_OPTS",
                "-Xmx1g"),
            Map.of());
    assertThat(cfg.bootstrap()).isEqualTo("file:9092");
    assertThat(cfg.httpPort()).isEqualTo(9001);
    assertThat(cfg.defaultEpsilon()).isEqualTo(0.07);
    assertThat(cfg.defaultLambda()).isEqualTo(1000.0);
    assertThat(cfg.kafkaOverrides()).containsEntry("max.poll.records", "77");
  }

  @Test
  void shouldApplyCommandLineOverridesLast() {
    AppConfig cfg =
        ConfigLoader.load(
            null,
            Map.of("CMRWATCH_BOOTSTRAP", "env:9092"),
            Map.of("cmrwatch.bootstrap", "cli:9092"));
    assertThat(cfg.bootstrap()).isEqualTo("cli:9092");
  }

  @Test
  void shouldRejectUnknownKeyWithItsName() throws Exception {
    Path file = dir.resolve("bad.properties");
    Files.writeString(file, "cmrwatch.bootstrap=x:1\ncmrwatch.http.prot=9001\n");
    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cmrwatch.http.prot")
        .hasMessageContaining("did you mean cmrwatch.http.port");
  }

  @Test
  void shouldSayWhatBecameOfAKeyOfAnEarlierVersion() throws Exception {
    Path file = dir.resolve("earlier.properties");
    Files.writeString(file, "cmrwatch.bootstrap=x:1\ncmrwatch.refit.max-busy=0.25\n");
    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cmrwatch.refit.max-busy was removed")
        .hasMessageContaining("cmrwatch.estimate.backlog-share")
        .hasMessageContaining("remove it");
  }

  @Test
  void shouldRejectForeignKeysInTheFile() throws Exception {
    Path file = dir.resolve("foreign.properties");
    Files.writeString(file, "cmrwatch.bootstrap=x:1\nbootstrap.servers=y:2\n");
    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("bootstrap.servers");
  }

  @Test
  void shouldFailOnMissingRequiredKeyWithItsName() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cmrwatch.bootstrap")
        .hasMessageContaining("CMRWATCH_BOOTSTRAP");
  }

  @Test
  void shouldNameTheKeyOfAnInvalidValue() {
    assertThatThrownBy(
            () -> AppConfig.of(Map.of("cmrwatch.bootstrap", "x:1", "cmrwatch.http.port", "eighty")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cmrwatch.http.port");
    assertThatThrownBy(
            () ->
                AppConfig.of(
                    Map.of("cmrwatch.bootstrap", "x:1", "cmrwatch.processing-guarantee", "x")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cmrwatch.processing-guarantee");
  }

  @Test
  void shouldReportAMissingFile() {
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("nope.properties"), Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("does not exist");
  }
}
