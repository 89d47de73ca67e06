package io.cmrwatch.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The repository's Dockerfile: a Maven build stage and a JRE runtime stage, pinned, running the
 * cmrwatch jar.
 */
class DockerfileTest {

  private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
  private static final List<String> LINES =
      RepoFiles.readString(RepoFiles.root().resolve("Dockerfile"))
          .lines()
          .map(String::trim)
          .toList();

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
    assertThat(text)
        .contains(
            "COPY --from=build /src/cli/target/cmrwatch.jar",
            "COPY --from=build /src/cli/target/lib/",
            "DJL_CACHE_DIR=/var/cache/djl",
            "VOLUME [\"/var/cache/djl\"");
    // The jar name the image copies is the one the cli module builds.
    assertThat(RepoFiles.readString(RepoFiles.root().resolve("cli/pom.xml")))
        .contains("<finalName>cmrwatch</finalName>");
    assertThat(text).contains("USER cmrwatch");
  }

  @Test
  void shouldCopyEveryModulePomBeforeTheDependencyDownload() {
    Matcher m = MODULE.matcher(RepoFiles.readString(RepoFiles.root().resolve("pom.xml")));
    int modules = 0;
    while (m.find()) {
      modules++;
      assertThat(LINES)
          .as("the Dockerfile copies %s/pom.xml", m.group(1))
          .contains("COPY " + m.group(1) + "/pom.xml " + m.group(1) + "/");
    }
    assertThat(modules).isGreaterThanOrEqualTo(8);
  }
}
