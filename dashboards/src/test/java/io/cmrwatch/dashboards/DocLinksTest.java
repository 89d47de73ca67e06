package io.cmrwatch.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README and docs/: every relative link and anchor resolves, and the README stays a front door
 * a newcomer reads in ten minutes.
 */
class DocLinksTest {

  private static final long README_MAX_BYTES = 25_000;

  @Test
  void shouldResolveEveryRelativeLinkOfTheReadmeAndTheDocs() {
    List<Path> files = RepoFiles.docFiles();
    assertThat(files).contains(RepoFiles.readme(), RepoFiles.root().resolve("docs/method.md"));
    List<Markdown.Broken> broken = new ArrayList<>();
    int links = 0;
    for (Path file : files) {
      links += Markdown.links(RepoFiles.readString(file)).size();
      broken.addAll(Markdown.brokenLinks(file));
    }
    assertThat(links).as("links checked").isGreaterThan(20);
    assertThat(broken).as("links that do not resolve").isEmpty();
  }

  @Test
  void shouldKeepTheReadmeWithin25000Bytes() throws IOException {
    assertThat(Files.size(RepoFiles.readme())).isLessThanOrEqualTo(README_MAX_BYTES);
  }

  @Test
  void shouldReportAMissingFileAMissingAnchorAndNothingInCode(@TempDir Path dir)
      throws IOException {
    Files.writeString(
        dir.resolve("other.md"), "# Other\n\n## Runbook: target down\n\n## Same\n## Same\n");
    Path doc = dir.resolve("doc.md");
    Files.writeString(
        doc,
        String.join(
            "\n",
            "# Doc",
            "[ok](other.md#runbook-target-down) [ok](other.md#same-1) [ok](#doc)"
                + " [web](https://example.org/x.md#nowhere) ![img](other.md)",
            "[gone](missing.md) and [bad anchor](other.md#nowhere) and [self](#nowhere)",
            "`[in code](missing.md)`",
            "```",
            "[in a block](missing.md)",
            "```",
            ""));
    assertThat(Markdown.brokenLinks(doc))
        .extracting(Markdown.Broken::line, Markdown.Broken::target)
        .containsExactly(
            tuple(3, "missing.md"), tuple(3, "other.md#nowhere"), tuple(3, "#nowhere"));
  }

  @Test
  void shouldMakeGitHubAnchorsOfHeadings() {
    assertThat(
            Markdown.anchors(
                "# cmrwatch\n## Outputs (all JSON with `schema` 1)\n### Runbook: DLQ records arriving\n"
                    + "## The critical token point T0\n## `cmrwatch fit`\n"))
        .containsExactly(
            "cmrwatch",
            "outputs-all-json-with-schema-1",
            "runbook-dlq-records-arriving",
            "the-critical-token-point-t0",
            "cmrwatch-fit");
  }
}
