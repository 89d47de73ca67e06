package io.cmrwatch.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The live page in a real browser during a short simulated demo: headless Chromium opens it while
 * the events are still arriving, sees the runs' curves and a CMR value appear, then sees both
 * change — and the demo ends with a summary holding the estimate. Leaves a screenshot at {@code
 * target/demo-page.png}.
 */
class DemoPageIT {

  @Test
  @Timeout(value = 12, unit = TimeUnit.MINUTES)
  void shouldShowTheCurvesAndTheCmrAppearAndChangeLive(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(HeadlessChromium.available(), HeadlessChromium.INSTALL_HINT);
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    // Slow enough for the page (polling every 1.5 s) to see several states, short enough for the
    // test command.
    SimulatedWorkload workload =
        new SimulatedWorkload(SimulatedWorkload.STANDARD_SEED, Duration.ofSeconds(60));
    Demo.Settings settings =
        new Demo.Settings(
            dir.resolve("data"), 0, 0, 0, Duration.ofMinutes(5), Duration.ofSeconds(1));
    ExecutorService background = Executors.newSingleThreadExecutor();
    try (Demo demo = Demo.start(settings, workload, lines::add)) {
      ChromeDriver chrome = HeadlessChromium.start(dir.resolve("chromium"), 1440, 1000);
      try {
        PageProbe page = new PageProbe(chrome);
        page.open(demo.pageUrl());
        Future<DemoSummary> finished = background.submit(demo::run);

        PageProbe.View first =
            page.await(
                Duration.ofMinutes(3),
                "the runs' curves and a CMR value",
                v -> v.showsCurves() && v.showsCmr());
        PageProbe.View later =
            page.await(
                Duration.ofMinutes(3),
                "the curves and the CMR changing",
                v ->
                    v.generalPoints() > first.generalPoints()
                        && !v.generalPixels().equals(first.generalPixels())
                        && v.cmrPoints() > first.cmrPoints()
                        && !v.cmrPixels().equals(first.cmrPixels()));
        assertThat(later.showsCmr()).isTrue();
        // Planning: the page asks for the CMR at twice the budget by itself, and answers a share
        // typed into its form (a budget, or why there is none).
        page.await(
            Duration.ofMinutes(1),
            "the CMR at twice the budget",
            v -> v.budgetPlanText().matches("CMR \\d.*"));
        page.askRatio("20");
        page.await(
            Duration.ofSeconds(30),
            "an answer for a 20 % share",
            v -> !v.ratioPlanText().equals("—") && !v.ratioPlanText().startsWith("no answer"));

        DemoSummary summary = finished.get(6, TimeUnit.MINUTES);
        assertThat(summary.hasEstimate()).as("summary %s", summary).isTrue();
        assertThat(summary.runs()).hasSize(6);
        // The page, refreshed, agrees with the summary's estimate.
        PageProbe.View last =
            page.await(
                Duration.ofSeconds(30),
                "the summary's CMR",
                v -> v.cmrText().equals(Format.pct(summary.cmr())));
        assertThat(last.generalPoints()).isGreaterThanOrEqualTo(later.generalPoints());
        page.screenshot(Path.of("target", "demo-page.png"));
      } finally {
        chrome.quit();
      }
    } finally {
      background.shutdownNow();
    }
    assertThat(lines).anyMatch(l -> l.contains("estimate  synth-") && l.contains("CMR "));
  }
}
