package io.cmrwatch.ingest.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The bearer tokens the HTTP API accepts, read once from a file. Only SHA-256 hashes of the tokens
 * are kept, and a presented token is compared against every entry in constant time, so neither
 * timing nor a heap dump gives it away.
 *
 * <p>File format, one token per line; blank lines and lines starting with {@code #} are ignored:
 *
 * <pre>
 * s3cr3t-token-for-everything
 * team-a-token  team-a-,shared-      # only experiments whose id starts with "team-a-" or "shared-"
 * </pre>
 *
 * A token is at least {@value #MIN_TOKEN_LENGTH} characters without white space; the optional
 * second column is a comma-separated list of experiment-id prefixes the token may write to (absent:
 * every experiment).
 */
public final class TokenFile {

  /** Shortest token accepted: shorter ones are guessable. */
  public static final int MIN_TOKEN_LENGTH = 16;

  private final List<Entry> entries;

  private TokenFile(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /** Reads and checks a token file; the exception message names the file and line of a problem. */
  public static TokenFile load(Path file) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(
          "token file "
              + file
              + " does not exist — create it with one bearer token per line (see docs/ingest.md, Token file)");
    }
    return parse(lines, file.toString());
  }

  /** Parses token-file lines; {@code source} names them in error messages. */
  public static TokenFile parse(List<String> lines, String source) {
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      int hash = line.indexOf('#');
      if (hash >= 0) {
        line = line.substring(0, hash);
      }
      line = line.strip();
      if (line.isEmpty()) {
        continue;
      }
      String[] cols = line.split("\\s+");
      String where = source + " line " + (i + 1);
      if (cols.length > 2) {
        throw new IllegalArgumentException(
            where
                + ": expected \"TOKEN\" or \"TOKEN prefix1,prefix2\", found "
                + cols.length
                + " columns");
      }
      if (cols[0].length() < MIN_TOKEN_LENGTH) {
        throw new IllegalArgumentException(
            where
                + ": token is shorter than "
                + MIN_TOKEN_LENGTH
                + " characters; use a long random one, for example "
                + "`openssl rand -hex 24`");
      }
      List<String> prefixes = List.of();
      if (cols.length == 2) {
        prefixes =
            Arrays.stream(cols[1].split(",")).map(String::strip).filter(p -> !p.isEmpty()).toList();
        if (prefixes.isEmpty()) {
          throw new IllegalArgumentException(
              where + ": the scope column lists no experiment-id prefix");
        }
      }
      entries.add(new Entry(sha256(cols[0]), new TokenScope(prefixes)));
    }
    if (entries.isEmpty()) {
      throw new IllegalArgumentException(source + " holds no token: add one bearer token per line");
    }
    return new TokenFile(entries);
  }

  /** Number of tokens in the file. */
  public int size() {
    return entries.size();
  }

  /**
   * The scope of {@code presented}, or empty when it is not a known token. Every entry is compared
   * (no early exit) with {@link MessageDigest#isEqual}, over fixed-length hashes, so the time taken
   * says nothing about the token.
   */
  public Optional<TokenScope> authenticate(String presented) {
    if (presented == null || presented.isEmpty()) {
      return Optional.empty();
    }
    byte[] h = sha256(presented);
    TokenScope found = null;
    for (Entry e : entries) {
      if (MessageDigest.isEqual(e.hash, h) && found == null) {
        found = e.scope;
      }
    }
    return Optional.ofNullable(found);
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  private record Entry(byte[] hash, TokenScope scope) {}
}
