package io.cmrwatch.core.synth;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The synthetic law families, by name (docs/synthetic-families.md): {@code power} (the project's
 * own generator) and families that differ from it in form or in design.
 */
public final class Families {

  private static final List<LawFamily> ALL =
      List.of(
          new PowerFamily(),
          new PowerDesignFamily(),
          new DriftFamily(),
          new AmplitudeNoiseFamily(),
          new NonPowerFamily(),
          new ExpRecoveryFamily(),
          new NoTurnoverFamily());

  private Families() {}

  /** Every family, {@code power} first. */
  public static List<LawFamily> all() {
    return ALL;
  }

  /** The families' names, in the order of {@link #all()}. */
  public static List<String> names() {
    return ALL.stream().map(LawFamily::name).collect(Collectors.toList());
  }

  /**
   * The family of a name.
   *
   * @throws IllegalArgumentException naming the known families when there is none of that name
   */
  public static LawFamily named(String name) {
    for (LawFamily f : ALL) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException(
        "unknown family '" + name + "'; one of: " + String.join(", ", names()));
  }
}
