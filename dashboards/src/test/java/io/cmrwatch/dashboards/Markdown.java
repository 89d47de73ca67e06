package io.cmrwatch.dashboards;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The headings and links of a Markdown file, read the way GitHub renders them: enough to check that
 * the repository's docs link to files and anchors that exist.
 */
final class Markdown {

  private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.+?)\\s*#*\\s*$");
  // [text](target) and ![alt](target), with an optional "title"; the target has no spaces.
  private static final Pattern LINK =
      Pattern.compile("!?\\[[^\\]]*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
  private static final Pattern CODE_SPAN = Pattern.compile("(`+)(?:(?!\\1).)+?\\1");

  /** One link: the line it is on (1-based) and its target as written. */
  record Link(int line, String target) {}

  /** A link that does not resolve, and why. */
  record Broken(Path file, int line, String target, String reason) {
    @Override
    public String toString() {
      return file + ":" + line + ": " + target + " (" + reason + ")";
    }
  }

  private Markdown() {}

  /**
   * The anchors GitHub makes of a file's headings: lower case, punctuation other than '-' and '_'
   * dropped, each space a hyphen, and "-1", "-2"... appended to repeats.
   */
  static Set<String> anchors(String markdown) {
    Set<String> anchors = new LinkedHashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    for (String line : proseLines(markdown)) {
      Matcher m = HEADING.matcher(line);
      if (!m.matches()) {
        continue;
      }
      String text = m.group(1).replace("`", "").toLowerCase(Locale.ROOT);
      String anchor = text.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
      int n = seen.merge(anchor, 1, Integer::sum) - 1;
      anchors.add(n == 0 ? anchor : anchor + "-" + n);
    }
    return anchors;
  }

  /** The links outside code blocks and code spans. */
  static List<Link> links(String markdown) {
    List<Link> links = new ArrayList<>();
    List<String> lines = proseLines(markdown);
    for (int i = 0; i < lines.size(); i++) {
      String prose = CODE_SPAN.matcher(lines.get(i)).replaceAll("");
      Matcher m = LINK.matcher(prose);
      while (m.find()) {
        links.add(new Link(i + 1, m.group(1)));
      }
    }
    return links;
  }

  /**
   * The relative links of {@code file} that do not resolve: a missing file or folder, or an anchor
   * that is not a heading of the Markdown file it points into. Absolute URLs are not followed.
   */
  static List<Broken> brokenLinks(Path file) {
    List<Broken> broken = new ArrayList<>();
    for (Link link : links(RepoFiles.readString(file))) {
      String target = link.target();
      if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
        continue; // http:, https:, mailto: ...
      }
      int hash = target.indexOf('#');
      String path = hash < 0 ? target : target.substring(0, hash);
      String anchor = hash < 0 ? null : target.substring(hash + 1);
      Path into = path.isEmpty() ? file : file.getParent().resolve(path).normalize();
      if (!Files.exists(into)) {
        broken.add(new Broken(file, link.line(), target, "no such file " + into));
      } else if (anchor != null) {
        if (!into.getFileName().toString().endsWith(".md") || Files.isDirectory(into)) {
          broken.add(new Broken(file, link.line(), target, "an anchor into a non-Markdown file"));
        } else if (!anchors(RepoFiles.readString(into)).contains(anchor)) {
          broken.add(
              new Broken(file, link.line(), target, "no heading #" + anchor + " in " + into));
        }
      }
    }
    return broken;
  }

  /**
   * The lines of the file with fenced code blocks blanked (line numbers kept): headings and links
   * inside them are examples, not structure.
   */
  private static List<String> proseLines(String markdown) {
    List<String> out = new ArrayList<>();
    String fence = null;
    for (String line : markdown.split("\n", -1)) {
      String trimmed = line.stripLeading();
      if (fence == null && (trimmed.startsWith("```") || trimmed.startsWith("~~~"))) {
        fence = trimmed.substring(0, 3);
        out.add("");
      } else if (fence != null) {
        if (trimmed.startsWith(fence)) {
          fence = null;
        }
        out.add("");
      } else {
        out.add(line);
      }
    }
    return out;
  }
}
