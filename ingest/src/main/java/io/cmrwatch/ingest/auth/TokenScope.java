package io.cmrwatch.ingest.auth;

import java.util.List;

/**
 * What a bearer token may write: experiments whose id starts with one of {@code prefixes}, or every
 * experiment when the list is empty.
 *
 * @param prefixes experiment-id prefixes; empty means unrestricted
 */
public record TokenScope(List<String> prefixes) {

  public TokenScope {
    prefixes = List.copyOf(prefixes);
  }

  /** A scope covering every experiment. */
  public static TokenScope unrestricted() {
    return new TokenScope(List.of());
  }

  /** Whether events of {@code experiment} may be written under this scope. */
  public boolean allows(String experiment) {
    if (prefixes.isEmpty()) {
      return true;
    }
    for (String p : prefixes) {
      if (experiment.startsWith(p)) {
        return true;
      }
    }
    return false;
  }
}
