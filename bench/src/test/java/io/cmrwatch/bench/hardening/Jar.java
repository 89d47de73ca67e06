package io.cmrwatch.bench.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

/** The product's jar, built by the cli module before this module's integration tests run. */
final class Jar {
  private Jar() {}

  static Path cmrwatch() {
    Path jar = Path.of("..", "cli", "target", "cmrwatch.jar").toAbsolutePath().normalize();
    assertThat(jar)
        .as("the campaign runs the product's own jar; build it first: mvn -pl cli -am package")
        .isRegularFile();
    return jar;
  }
}
