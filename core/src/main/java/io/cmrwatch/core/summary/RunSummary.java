package io.cmrwatch.core.summary;

import io.cmrwatch.core.event.LossEvent;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The bounded, incremental state of one run: its loss curves reduced to log-spaced token bins
 * ({@link TokenBins}), plus the base losses, the experiment settings the run reported, its latest
 * point and time. It absorbs events one at a time, in any order, and is what the per-run fits read
 * ({@link #points()}).
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li><b>Order-independent and deterministic.</b> Bin sums are exact integers (losses in fixed
 *       point, 2^-28 loss units, 128-bit accumulators), and every "which value wins" rule is
 *       decided by the event key (tokens, eventId), never by arrival order. The same set of events
 *       in any order gives an equal summary and identical {@link RunSummaryCodec} bytes.
 *   <li><b>Duplicates.</b> Each bin remembers the 64-bit fingerprints of the {@value
 *       #FINGERPRINTS_PER_BIN} smallest fingerprints among its events. An event id always falls
 *       into the same bin (it names one token point), so a re-sent event is ignored exactly
 *       whenever its bin has held at most {@value #FINGERPRINTS_PER_BIN} distinct events — e.g. any
 *       run evaluated at most ~380 times at even spacing over its budget. Beyond that a duplicate
 *       is still ignored when its fingerprint is among those kept; otherwise it counts once more in
 *       a bin of more than 32 events (a weight error of at most 1/33 for that point). A re-sent
 *       event is assumed to carry the same losses.
 *   <li><b>Bounded.</b> At most {@link TokenBins#MAX_INDEX} + 1 bins, each of fixed size plus at
 *       most {@value #FINGERPRINTS_PER_BIN} fingerprints, whatever the number of events (sizes in
 *       docs/method.md, "Run summary").
 *   <li><b>Ratio changes.</b> The run's ratio is the ratio of its earliest event (smallest key).
 *       Data at a different ratio, and everything at or after the first token bin where a different
 *       ratio appears, is kept out of the constant-ratio bins; the run is flagged ({@link
 *       #ratioChanged()}) and its latest general-loss increase (whatever the ratio) stays visible
 *       for forgetting alerts.
 * </ul>
 *
 * <p>Not thread-safe; one instance per run, owned by one thread (a Kafka Streams task).
 */
public final class RunSummary {

  /** Fingerprints of event ids kept per bin for duplicate detection. */
  public static final int FINGERPRINTS_PER_BIN = 32;

  /** {@link #heapBytesEstimate()}'s part for the summary object, its ids and latest values. */
  public static final long FIXED_HEAP_BYTES = 1024;

  /**
   * {@link #heapBytesEstimate()}'s part per bin: the bin (40 bytes), its array of five 128-bit sums
   * (96), its map entry (40), boxed index (16) and fingerprint array header (16).
   */
  public static final long BIN_HEAP_BYTES = 208;

  /** Fixed-point scale of losses: 2^28 steps per loss unit. */
  static final double LOSS_SCALE = 0x1.0p28;

  /** Largest loss a summary accepts (keeps the exact sums of squares inside 128 bits). */
  public static final double MAX_LOSS = LossEvent.MAX_LOSS;

  /** What {@link #absorb(LossEvent)} did with an event. */
  public enum Absorption {
    /** Added to its token bin. */
    ABSORBED,
    /** Its event id was already absorbed; nothing changed. */
    DUPLICATE,
    /**
     * It belongs to the run after a ratio change: kept for the latest point and settings, not for
     * the fits.
     */
    AFTER_RATIO_CHANGE
  }

  private final String experiment;
  private final String run;

  // Earliest event by key: defines the run's ratio and base losses.
  private Keyed first;
  private boolean baseLossConflict;
  // Smallest tokens of any event at a ratio other than the run's ratio; Long.MAX_VALUE when none.
  private long changeTokens = Long.MAX_VALUE;
  // Latest event by key: latest tokens and general-loss increase, whatever the ratio.
  private Keyed latest;
  private Instant lastTime;
  private KeyedValue budgetTokens;
  private KeyedValue epsilon;
  private KeyedValue lambda;
  private KeyedValue tokenUnit;
  final TreeMap<Integer, Bin> bins = new TreeMap<>();
  // contentHash(), computed on first use after a change (an analysis hashes every run's summary;
  // most are unchanged).
  private long contentHash;
  private boolean contentHashed;
  // heapBytesEstimate(), kept like the hash until the next change (-1: not computed).
  private long heapBytes = -1;
  // Decoded without its fingerprints (RunSummaryCodec.encodeForAnalysis): can be analysed, cannot
  // absorb events.
  private boolean analysisOnly;

  /** An empty summary of one run. */
  public RunSummary(String experiment, String run) {
    this.experiment = Objects.requireNonNull(experiment, "experiment");
    this.run = Objects.requireNonNull(run, "run");
  }

  /**
   * Absorbs one event of this run.
   *
   * @throws IllegalArgumentException if the event belongs to another experiment or run, or a loss
   *     exceeds {@link #MAX_LOSS}
   * @throws IllegalStateException if the summary is {@linkplain #analysisOnly() for analysis only}
   */
  public Absorption absorb(LossEvent e) {
    if (analysisOnly) {
      throw new IllegalStateException(
          "the summary of "
              + experiment
              + "/"
              + run
              + " was decoded without its "
              + "event fingerprints, for analysis only: it cannot deduplicate further events");
    }
    if (!experiment.equals(e.experiment()) || !run.equals(e.run())) {
      throw new IllegalArgumentException(
          "event of "
              + e.experiment()
              + "/"
              + e.run()
              + " offered to the summary of "
              + experiment
              + "/"
              + run);
    }
    for (double loss :
        new double[] {e.generalLoss(), e.domainLoss(), e.baseGeneralLoss(), e.baseDomainLoss()}) {
      if (!(loss < MAX_LOSS)) {
        throw new IllegalArgumentException(
            "loss " + loss + " is larger than " + MAX_LOSS + ": not a loss value");
      }
    }
    contentHashed = false;
    heapBytes = -1;
    Keyed k = new Keyed(e);
    if (latest == null || k.compareTo(latest) > 0) {
      latest = k;
    }
    if (e.time() != null && (lastTime == null || e.time().isAfter(lastTime))) {
      lastTime = e.time();
    }
    budgetTokens =
        KeyedValue.later(
            budgetTokens, e.budgetTokens() == null ? null : e.budgetTokens().doubleValue(), k);
    epsilon = KeyedValue.later(epsilon, e.epsilon(), k);
    lambda = KeyedValue.later(lambda, e.lambda(), k);
    tokenUnit = KeyedValue.later(tokenUnit, e.tokenUnit(), k);

    if (first == null || k.compareTo(first) < 0) {
      if (first != null) {
        if (first.ratio != k.ratio) {
          // Everything absorbed so far was at the old first ratio and at or after its tokens:
          // post-change data now.
          changeAt(first.tokens);
        }
        baseLossConflict |= first.baseGeneral != k.baseGeneral || first.baseDomain != k.baseDomain;
      }
      first = k;
    } else {
      baseLossConflict |= first.baseGeneral != k.baseGeneral || first.baseDomain != k.baseDomain;
    }
    if (k.ratio != first.ratio) {
      changeAt(k.tokens);
      return Absorption.AFTER_RATIO_CHANGE;
    }
    int index = TokenBins.index(e.tokens());
    if (changeTokens != Long.MAX_VALUE && index >= TokenBins.index(changeTokens)) {
      return Absorption.AFTER_RATIO_CHANGE;
    }
    Bin bin = bins.computeIfAbsent(index, Bin::new);
    return bin.add(
            fingerprint(e.eventId()), e.tokens(), fixed(e.generalLoss()), fixed(e.domainLoss()))
        ? Absorption.ABSORBED
        : Absorption.DUPLICATE;
  }

  private void changeAt(long tokens) {
    if (tokens < changeTokens) {
      changeTokens = tokens;
      bins.tailMap(TokenBins.index(tokens), true).clear();
    }
  }

  static long fixed(double loss) {
    return Math.round(loss * LOSS_SCALE);
  }

  /**
   * 64-bit fingerprint of an event id: FNV-1a over its UTF-16 code units, then the SplitMix64
   * finaliser.
   */
  static long fingerprint(String eventId) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < eventId.length(); i++) {
      h ^= eventId.charAt(i);
      h *= 0x100000001b3L;
    }
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }

  /** Experiment id. */
  public String experiment() {
    return experiment;
  }

  /** Run id. */
  public String run() {
    return run;
  }

  /** True before the first event. */
  public boolean isEmpty() {
    return first == null;
  }

  /** The run's domain share R (of its earliest event), or NaN before the first event. */
  public double ratio() {
    return first == null ? Double.NaN : first.ratio;
  }

  /** Lgen(0), from the earliest event; NaN before the first event. */
  public double baseGeneralLoss() {
    return first == null ? Double.NaN : first.baseGeneral;
  }

  /** Ldom(0), from the earliest event; NaN before the first event. */
  public double baseDomainLoss() {
    return first == null ? Double.NaN : first.baseDomain;
  }

  /** True when events of this run disagreed on the base losses (the earliest event's are used). */
  public boolean baseLossConflict() {
    return baseLossConflict;
  }

  /** True when the run's ratio changed: its later data is kept out of the fits. */
  public boolean ratioChanged() {
    return changeTokens != Long.MAX_VALUE;
  }

  /** Tokens of the first event at another ratio, or null when the ratio never changed. */
  public Long ratioChangeTokens() {
    return ratioChanged() ? changeTokens : null;
  }

  /** Tokens of the latest event (any ratio); 0 before the first event. */
  public long latestTokens() {
    return latest == null ? 0 : latest.tokens;
  }

  /**
   * General-loss increase dGen of the latest event (any ratio): what forgetting alerts watch; NaN
   * when empty.
   */
  public double latestGeneralLossIncrease() {
    return latest == null ? Double.NaN : latest.generalLoss - latest.baseGeneral;
  }

  /** Domain-loss change dDom of the latest event (any ratio); NaN when empty. */
  public double latestDomainLossChange() {
    return latest == null ? Double.NaN : latest.domainLoss - latest.baseDomain;
  }

  /** Latest event time seen, or null. */
  public Instant lastEventTime() {
    return lastTime;
  }

  /** Budget T_max reported by the run's latest event carrying one, or null. */
  public Long budgetTokens() {
    return budgetTokens == null ? null : (long) budgetTokens.value;
  }

  /** ε override reported by the run, or null. */
  public Double epsilon() {
    return epsilon == null ? null : epsilon.value;
  }

  /** λ override reported by the run, or null. */
  public Double lambda() {
    return lambda == null ? null : lambda.value;
  }

  /** Token-unit override reported by the run, or null. */
  public Double tokenUnit() {
    return tokenUnit == null ? null : tokenUnit.value;
  }

  /** Events in the constant-ratio bins, T = 0 included. */
  public long events() {
    long n = 0;
    for (Bin b : bins.values()) {
      n += b.count;
    }
    return n;
  }

  /** Number of curve points (non-empty bins with T &gt; 0) that {@link #points()} returns. */
  public int pointCount() {
    return bins.containsKey(0) ? bins.size() - 1 : bins.size();
  }

  /** Largest token count in the constant-ratio bins (the span the fits see); 0 when none. */
  public long maxFitTokens() {
    for (Bin b : bins.descendingMap().values()) {
      if (b.index > 0) {
        return b.maxTokens;
      }
    }
    return 0;
  }

  /**
   * The curve points for the fits, one per non-empty bin with T &gt; 0, in increasing tokens: the
   * bin's mean tokens, mean dGen = Lgen − Lgen(0) and mean dDom = Ldom − Ldom(0), and its event
   * count as weight.
   */
  public CurvePoints points() {
    int n = pointCount();
    double[] tokens = new double[n];
    double[] gen = new double[n];
    double[] dom = new double[n];
    double[] weight = new double[n];
    double[] genVar = new double[n];
    double[] domVar = new double[n];
    int i = 0;
    for (Bin b : bins.values()) {
      if (b.index == 0) {
        continue;
      }
      double c = b.count;
      tokens[i] = Int128.toDouble(b.sums, Bin.TOKENS) / c;
      gen[i] = Int128.toDouble(b.sums, Bin.GEN) / c / LOSS_SCALE - first.baseGeneral;
      dom[i] = Int128.toDouble(b.sums, Bin.DOM) / c / LOSS_SCALE - first.baseDomain;
      weight[i] = c;
      genVar[i] = variance(b.count, b.sums, Bin.GEN, Bin.SQ_GEN);
      domVar[i] = variance(b.count, b.sums, Bin.DOM, Bin.SQ_DOM);
      i++;
    }
    return new CurvePoints(tokens, gen, dom, weight, genVar, domVar);
  }

  // Sample variance from exact sums: (n·S2 − S1²) / (n·(n − 1)), in loss units².
  private static double variance(long n, long[] sums, int s1, int s2) {
    if (n < 2) {
      return 0;
    }
    BigInteger num =
        BigInteger.valueOf(n)
            .multiply(Int128.toBigInteger(sums, s2))
            .subtract(Int128.toBigInteger(sums, s1).pow(2));
    return num.doubleValue() / ((double) n * (n - 1)) / (LOSS_SCALE * LOSS_SCALE);
  }

  /** Bins currently held (T = 0 bin included); for size accounting. */
  public int binCount() {
    return bins.size();
  }

  /**
   * About how many heap bytes this summary holds, for memory budgets (a cache of decoded
   * summaries), not an exact measure: {@link #FIXED_HEAP_BYTES} for the summary itself, its ids and
   * its latest values, and per bin {@link #BIN_HEAP_BYTES} plus 8 per kept fingerprint (JDK 17,
   * compressed references). Computed once and kept until the summary absorbs another event (a cache
   * weighs an experiment's unchanged runs at every update).
   */
  public long heapBytesEstimate() {
    if (heapBytes < 0) {
      long bytes = FIXED_HEAP_BYTES;
      for (Bin b : bins.values()) {
        bytes += BIN_HEAP_BYTES + 8L * b.fingerprints.length;
      }
      heapBytes = bytes;
    }
    return heapBytes;
  }

  /**
   * Whether this summary was decoded from {@link RunSummaryCodec#encodeForAnalysis} bytes:
   * everything an analysis reads, without the fingerprints that deduplicate events, so it refuses
   * further events.
   */
  public boolean analysisOnly() {
    return analysisOnly;
  }

  void markAnalysisOnly() {
    analysisOnly = true;
  }

  /**
   * A 64-bit hash of what an analysis reads: every field but the event fingerprints, so equal
   * summaries hash equal, and a summary hashes as its copy for analysis only does. Computed once
   * and kept until the summary absorbs another event.
   */
  public long contentHash() {
    if (!contentHashed) {
      Fnv64 h = new Fnv64().addString(experiment).addString(run);
      hashKeyed(h, first);
      hashKeyed(h, latest);
      h.addBoolean(baseLossConflict).addLong(changeTokens).addBoolean(lastTime != null);
      if (lastTime != null) {
        h.addLong(lastTime.getEpochSecond()).addLong(lastTime.getNano());
      }
      for (KeyedValue v : settings()) {
        h.addBoolean(v != null);
        if (v != null) {
          h.addDouble(v.value).addLong(v.tokens).addString(v.eventId);
        }
      }
      h.addLong(bins.size());
      for (Bin b : bins.values()) {
        h.addLong(b.index).addLong(b.count).addLong(b.maxTokens);
        for (long word : b.sums) {
          h.addLong(word);
        }
      }
      contentHash = h.value();
      contentHashed = true;
    }
    return contentHash;
  }

  private static void hashKeyed(Fnv64 h, Keyed k) {
    h.addBoolean(k != null);
    if (k != null) {
      h.addLong(k.tokens).addString(k.eventId).addDouble(k.ratio).addDouble(k.generalLoss);
      h.addDouble(k.domainLoss).addDouble(k.baseGeneral).addDouble(k.baseDomain);
    }
  }

  /**
   * Equal when everything the summary holds is: ids, earliest and latest event, settings, ratio
   * change, time, bins with their fingerprints, and whether it is for analysis only (what its
   * {@link RunSummaryCodec} bytes hold).
   */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    // Equal content hashes first: summaries that differ are told apart without comparing bins.
    if (!(o instanceof RunSummary s)
        || analysisOnly != s.analysisOnly
        || contentHash() != s.contentHash()) {
      return false;
    }
    if (!experiment.equals(s.experiment)
        || !run.equals(s.run)
        || !Keyed.same(first, s.first)
        || !Keyed.same(latest, s.latest)
        || baseLossConflict != s.baseLossConflict
        || changeTokens != s.changeTokens
        || !Objects.equals(lastTime, s.lastTime)) {
      return false;
    }
    KeyedValue[] mine = settings();
    KeyedValue[] theirs = s.settings();
    for (int i = 0; i < mine.length; i++) {
      if (!KeyedValue.same(mine[i], theirs[i])) {
        return false;
      }
    }
    if (bins.size() != s.bins.size()) {
      return false;
    }
    for (Bin b : bins.values()) {
      if (!b.sameAs(s.bins.get(b.index))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(contentHash());
  }

  @Override
  public String toString() {
    return "RunSummary["
        + experiment
        + "/"
        + run
        + " ratio="
        + ratio()
        + " points="
        + pointCount()
        + " latest="
        + latestTokens()
        + (ratioChanged() ? " ratioChangedAt=" + changeTokens : "")
        + "]";
  }

  // ---- state, package-private for the codec ----

  Keyed first() {
    return first;
  }

  Keyed latest() {
    return latest;
  }

  long changeTokensRaw() {
    return changeTokens;
  }

  KeyedValue[] settings() {
    return new KeyedValue[] {budgetTokens, epsilon, lambda, tokenUnit};
  }

  void restore(
      Keyed first,
      boolean conflict,
      long changeTokens,
      Keyed latest,
      Instant lastTime,
      KeyedValue[] s) {
    this.contentHashed = false;
    this.heapBytes = -1;
    this.first = first;
    this.baseLossConflict = conflict;
    this.changeTokens = changeTokens;
    this.latest = latest;
    this.lastTime = lastTime;
    this.budgetTokens = s[0];
    this.epsilon = s[1];
    this.lambda = s[2];
    this.tokenUnit = s[3];
  }

  /**
   * An event reduced to what decides "which one wins": its key (tokens, eventId) and the values it
   * carries.
   */
  static final class Keyed implements Comparable<Keyed> {
    final long tokens;
    final String eventId;
    final double ratio;
    final double generalLoss;
    final double domainLoss;
    final double baseGeneral;
    final double baseDomain;

    Keyed(LossEvent e) {
      this(
          e.tokens(),
          e.eventId(),
          e.ratio(),
          e.generalLoss(),
          e.domainLoss(),
          e.baseGeneralLoss(),
          e.baseDomainLoss());
    }

    Keyed(
        long tokens,
        String eventId,
        double ratio,
        double generalLoss,
        double domainLoss,
        double baseGeneral,
        double baseDomain) {
      this.tokens = tokens;
      this.eventId = eventId;
      this.ratio = ratio;
      this.generalLoss = generalLoss;
      this.domainLoss = domainLoss;
      this.baseGeneral = baseGeneral;
      this.baseDomain = baseDomain;
    }

    /** Both null, or equal in every field (doubles by their bits, as the codec writes them). */
    static boolean same(Keyed a, Keyed b) {
      return a == null ? b == null : b != null && a.compareTo(b) == 0;
    }

    // Total order: key first; the values only break ties between re-sent events that disagree.
    @Override
    public int compareTo(Keyed o) {
      int c = Long.compare(tokens, o.tokens);
      if (c == 0) {
        c = eventId.compareTo(o.eventId);
      }
      if (c == 0) {
        c = Double.compare(ratio, o.ratio);
      }
      if (c == 0) {
        c = Double.compare(generalLoss, o.generalLoss);
      }
      if (c == 0) {
        c = Double.compare(domainLoss, o.domainLoss);
      }
      if (c == 0) {
        c = Double.compare(baseGeneral, o.baseGeneral);
      }
      if (c == 0) {
        c = Double.compare(baseDomain, o.baseDomain);
      }
      return c;
    }
  }

  /** A setting value with the key of the event that carried it; the latest key wins. */
  static final class KeyedValue {
    final double value;
    final long tokens;
    final String eventId;

    KeyedValue(double value, long tokens, String eventId) {
      this.value = value;
      this.tokens = tokens;
      this.eventId = eventId;
    }

    /** Both null, or equal in every field (the value by its bits, as the codec writes it). */
    static boolean same(KeyedValue a, KeyedValue b) {
      return a == null
          ? b == null
          : b != null
              && Double.compare(a.value, b.value) == 0
              && a.tokens == b.tokens
              && a.eventId.equals(b.eventId);
    }

    static KeyedValue later(KeyedValue current, Double value, Keyed k) {
      if (value == null) {
        return current;
      }
      if (current == null) {
        return new KeyedValue(value, k.tokens, k.eventId);
      }
      int c = Long.compare(k.tokens, current.tokens);
      if (c == 0) {
        c = k.eventId.compareTo(current.eventId);
      }
      if (c == 0) {
        c = Double.compare(value, current.value);
      }
      return c > 0 ? new KeyedValue(value, k.tokens, k.eventId) : current;
    }
  }

  /**
   * One token bin: exact sums of tokens, losses and squared losses, and the kept event-id
   * fingerprints.
   */
  static final class Bin {
    final int index;
    long count;
    long maxTokens;
    // Int128 slots of sums: tokens, general loss, its square, domain loss, its square.
    static final int TOKENS = 0;
    static final int GEN = 1;
    static final int SQ_GEN = 2;
    static final int DOM = 3;
    static final int SQ_DOM = 4;
    static final int SUMS = 5;
    final long[] sums = new long[2 * SUMS];
    long[] fingerprints = new long[0];

    Bin(int index) {
      this.index = index;
    }

    /** Equal in every field, fingerprints included. */
    boolean sameAs(Bin o) {
      return o != null
          && index == o.index
          && count == o.count
          && maxTokens == o.maxTokens
          && Arrays.equals(sums, o.sums)
          && Arrays.equals(fingerprints, o.fingerprints);
    }

    /** Adds an event unless its fingerprint is known; false for a duplicate. */
    boolean add(long fp, long tokens, long gen, long dom) {
      int pos = Arrays.binarySearch(fingerprints, fp);
      if (pos >= 0) {
        return false;
      }
      int ins = -pos - 1;
      if (ins < FINGERPRINTS_PER_BIN) {
        int size = Math.min(fingerprints.length + 1, FINGERPRINTS_PER_BIN);
        long[] next = new long[size];
        System.arraycopy(fingerprints, 0, next, 0, ins);
        next[ins] = fp;
        System.arraycopy(fingerprints, ins, next, ins + 1, size - ins - 1);
        fingerprints = next;
      }
      count++;
      maxTokens = Math.max(maxTokens, tokens);
      Int128.add(sums, TOKENS, tokens);
      Int128.add(sums, GEN, gen);
      Int128.addProduct(sums, SQ_GEN, gen, gen);
      Int128.add(sums, DOM, dom);
      Int128.addProduct(sums, SQ_DOM, dom, dom);
      return true;
    }
  }

  /** Read-only list of bins in token order (for the codec and tests). */
  List<Bin> binList() {
    return Collections.unmodifiableList(new ArrayList<>(bins.values()));
  }
}
