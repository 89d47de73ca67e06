package io.cmrwatch.core.synth;

/**
 * A family of synthetic CPT experiments: a way the true loss curves vary with the domain share R
 * and the tokens T, and a way the runs are sampled. Deterministic: the same seed gives the same
 * experiment. The families are listed in {@link Families} and described in
 * docs/synthetic-families.md.
 */
public interface LawFamily {

  /** The family's name, as {@code cmrwatch synth --family} takes it. */
  String name();

  /** One line on what sets the family apart. */
  String summary();

  /** The experiment of a seed. */
  FamilyExperiment generate(long seed);
}
