package io.cmrwatch.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The repository's Dockerfile: a Maven build stage and a JRE runtime stage, pinned, running the cmrwatch jar. */
class DockerfileTest {

  private static final List<String> LINES =
      RepoFiles.readString(RepoFiles.root().resolve("Dockerfile")).lines().map(String::trim).toList();

  @Test
  void shouldBuildWithMavenAndRunOnAPinnedJre() {
    List<String> froms = LINES.stream().filter(l -> l.startsWith("FROM ")).toList();
    assertThat(froms).hasSize(2);
    assertThat(froms.get(0)).matches("FROM maven:[0-9][^ ]*-eclipse-temurin-17 AS build");
    assertThat(froms.get(1)).matches("FROM eclipse-temurin:17\\.[0-9.]+_[0-9]+-jre-[a-z]+");
  }

  @Test
  void shouldShipTheCliJarWithItsLibrariesAndADjlCacheVolume() {
    String text = String.join("\n", LINES);
    assertThat(text).contains("COPY --from=build /src/cli/target/cmrwatch.jar",
        "COPY --from=build /src/cli/target/lib/", "DJL_CACHE_DIR=/var/cache/djl", "VOLUME [\"/var/cache/djl\"");
    // The jar name the image copies is the one the cli module builds.
    assertThat(RepoFiles.readString(RepoFiles.root().resolve("cli/pom.xml"))).contains("<finalName>cmrwatch</finalName>");
    assertThat(text).contains("USER cmrwatch");
  }
}
