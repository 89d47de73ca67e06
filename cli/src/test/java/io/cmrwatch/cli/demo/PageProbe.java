package io.cmrwatch.cli.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Reads what the live page shows, as a user would see it: the numbers on it and the pixels of its
 * charts.
 */
final class PageProbe {

  /**
   * What the page shows at one moment.
   *
   * @param generalPoints observed points drawn on the general-loss chart
   * @param domainPoints observed points drawn on the domain-loss chart
   * @param cmrPoints estimates drawn on the convergence chart
   * @param cmrText the CMR value as displayed
   * @param intervalText its interval as displayed
   * @param generalPixels a fingerprint of the general-loss chart's pixels
   * @param cmrPixels a fingerprint of the convergence chart's pixels
   * @param budgetPlanText the answer shown for the CMR at another budget
   * @param ratioPlanText the answer shown for the budget at which a share becomes feasible
   */
  record View(
      int generalPoints,
      int domainPoints,
      int cmrPoints,
      String cmrText,
      String intervalText,
      String generalPixels,
      String cmrPixels,
      String budgetPlanText,
      String ratioPlanText) {

    boolean showsCurves() {
      return generalPoints > 0 && domainPoints > 0 && !generalPixels.isEmpty();
    }

    boolean showsCmr() {
      return cmrText.matches("\\d+(\\.\\d+)? %") && cmrPoints > 0 && !cmrPixels.isEmpty();
    }
  }

  private final ChromeDriver chrome;

  PageProbe(ChromeDriver chrome) {
    this.chrome = chrome;
  }

  void open(String url) {
    chrome.get(url);
  }

  View view() {
    return view(chrome);
  }

  static View view(WebDriver d) {
    return new View(
        points(d, "chart-general"),
        points(d, "chart-domain"),
        points(d, "chart-cmr"),
        d.findElement(By.id("cmr-value")).getText().trim(),
        d.findElement(By.id("cmr-interval")).getText().trim(),
        pixels(d, "chart-general"),
        pixels(d, "chart-cmr"),
        d.findElement(By.id("plan-budget-answer")).getText().trim(),
        d.findElement(By.id("plan-ratio-answer")).getText().trim());
  }

  /** Asks the page's planning form at which budget a share of {@code percent} becomes feasible. */
  void askRatio(String percent) {
    var input = chrome.findElement(By.id("plan-ratio"));
    input.clear();
    input.sendKeys(percent);
    chrome.findElement(By.cssSelector("#plan-ratio-form button")).click();
  }

  /** Waits until {@code condition} holds for what the page shows, and returns that view. */
  View await(Duration timeout, String what, java.util.function.Predicate<View> condition) {
    WebDriverWait wait = new WebDriverWait(chrome, timeout, Duration.ofMillis(500));
    wait.withMessage(
        () -> "the page did not show " + what + " within " + timeout + "; it showed " + view());
    return wait.until(
        d -> {
          View v = view(d);
          return condition.test(v) ? v : null;
        });
  }

  void screenshot(Path file) throws java.io.IOException {
    Path shot = chrome.getScreenshotAs(OutputType.FILE).toPath();
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.copy(shot, file, StandardCopyOption.REPLACE_EXISTING);
  }

  private static int points(WebDriver d, String chartId) {
    String s = d.findElement(By.id(chartId)).getAttribute("data-points");
    return s == null || s.isBlank() ? 0 : Integer.parseInt(s);
  }

  // A hash of the canvas' PNG: changes exactly when what is drawn changes.
  private static String pixels(WebDriver d, String chartId) {
    Object r =
        ((JavascriptExecutor) d)
            .executeScript(
                "const c = document.querySelector('#' + arguments[0] + ' canvas');"
                    + "if (!c) return '';"
                    + "const s = c.toDataURL('image/png'); let h = 0;"
                    + "for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;"
                    + "return s.length + ':' + h;",
                chartId);
    return r == null ? "" : r.toString();
  }
}
