package io.cmrwatch.cli.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium driven through its ChromeDriver, headless, with a fresh profile and no
 * background traffic. Paths come from {@code CMRWATCH_CHROMIUM} / {@code CMRWATCH_CHROMEDRIVER} or
 * the Debian defaults.
 */
final class HeadlessChromium {

  static final String INSTALL_HINT =
      "headless Chromium is not installed: apt-get install -y chromium chromium-driver (or set CMRWATCH_CHROMIUM and"
          + " CMRWATCH_CHROMEDRIVER)";

  private HeadlessChromium() {}

  static Path browser() {
    return path("CMRWATCH_CHROMIUM", "/usr/bin/chromium");
  }

  static Path driver() {
    return path("CMRWATCH_CHROMEDRIVER", "/usr/bin/chromedriver");
  }

  /** Whether both executables are present. */
  static boolean available() {
    return Files.isExecutable(browser()) && Files.isExecutable(driver());
  }

  /** Starts a browser with a window of the given size; the caller quits it. */
  static ChromeDriver start(Path profileDir, int width, int height) {
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(driver().toFile())
            .usingAnyFreePort()
            .withTimeout(Duration.ofSeconds(60))
            .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(browser().toFile());
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--user-data-dir=" + profileDir.toAbsolutePath(),
        "--window-size=" + width + "," + height);
    ChromeDriver chrome = new ChromeDriver(service, options);
    chrome.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    chrome.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    return chrome;
  }

  private static Path path(String env, String fallback) {
    return Path.of(
        Optional.ofNullable(System.getenv(env)).filter(s -> !s.isBlank()).orElse(fallback));
  }
}
