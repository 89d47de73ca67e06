package io.cmrwatch.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The decoded-state caches stay within their shared heap budget, least recently used out first. */
class DecodedCacheTest {

  /** Values that weigh what they say. */
  record Sized(AtomicLong bytes) {
    static Sized of(long bytes) {
      return new Sized(new AtomicLong(bytes));
    }
  }

  private static DecodedCache<Sized> cache(DecodedCache.Budget budget) {
    return new DecodedCache<>(budget, s -> s.bytes().get());
  }

  @Test
  void shouldEvictTheLeastRecentlyUsedValuesBeyondTheBudget() {
    DecodedCache.Budget budget = new DecodedCache.Budget(300);
    DecodedCache<Sized> c = cache(budget);
    c.put("a", Sized.of(100));
    c.put("b", Sized.of(100));
    c.put("c", Sized.of(100));
    assertThat(c.get("a")).isNotNull(); // a is now more recent than b
    c.put("d", Sized.of(100));

    assertThat(c.get("b")).isNull();
    assertThat(c.get("a")).isNotNull();
    assertThat(c.get("c")).isNotNull();
    assertThat(c.get("d")).isNotNull();
    assertThat(budget.usedBytes()).isEqualTo(300);
    assertThat(budget.evictions()).isEqualTo(1);
  }

  @Test
  void shouldWeighAValueAgainWhenItIsPutAgain() {
    DecodedCache.Budget budget = new DecodedCache.Budget(900);
    DecodedCache<Sized> c = cache(budget);
    Sized a = Sized.of(100);
    c.put("a", a);
    c.put("b", Sized.of(100));
    a.bytes().set(850); // the summary grew
    c.put("a", a);

    assertThat(budget.usedBytes()).isEqualTo(850);
    assertThat(c.get("b")).isNull(); // evicted to make room, not the value just put
    assertThat(c.get("a")).isSameAs(a);
  }

  @Test
  void shouldKeepTheValueJustPutEvenWhenItAloneExceedsTheBudget() {
    DecodedCache.Budget budget = new DecodedCache.Budget(100);
    DecodedCache<Sized> c = cache(budget);
    c.put("a", Sized.of(50));
    c.put("big", Sized.of(500));

    assertThat(c.get("big")).isNotNull();
    assertThat(c.get("a")).isNull();
    assertThat(c.size()).isEqualTo(1);
  }

  @Test
  void shouldShareOneBudgetBetweenCachesAndGiveBytesBackOnRemoveAndClear() {
    DecodedCache.Budget budget = new DecodedCache.Budget(400);
    DecodedCache<Sized> runs = cache(budget);
    DecodedCache<Sized> experiments = cache(budget);
    runs.put("r1", Sized.of(100));
    runs.put("r2", Sized.of(100));
    runs.put("r3", Sized.of(100));
    experiments.put("e1", Sized.of(100));
    assertThat(budget.usedBytes()).isEqualTo(400);

    // Over the shared budget: the cache that put evicts its own least recently used value.
    experiments.put("e2", Sized.of(100));
    assertThat(experiments.get("e1")).isNull();
    assertThat(runs.size()).isEqualTo(3);
    assertThat(budget.usedBytes()).isEqualTo(400);

    runs.remove("r1");
    assertThat(budget.usedBytes()).isEqualTo(300);
    runs.clear();
    assertThat(budget.usedBytes()).isEqualTo(100);
    assertThat(runs.size()).isZero();
  }

  @Test
  void shouldRefuseABudgetThatIsNotPositive() {
    assertThatThrownBy(() -> new DecodedCache.Budget(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("positive");
  }
}
