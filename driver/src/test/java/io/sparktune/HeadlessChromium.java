package io.sparktune;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Loads pages in headless Chromium and reads the report renderer's own check of its charts. */
public final class HeadlessChromium {
  private static final Pattern CHECK = Pattern.compile("charts=(\\d+) rendered=(\\d+)");

  private HeadlessChromium() {}

  /** Runs headless Chromium on a URL and returns the DOM after its scripts ran. */
  public static String renderedDom(String url) throws Exception {
    String chromium = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser").stream()
        .filter(p -> new File(p).canExecute()).findFirst()
        .orElseThrow(() -> new AssertionError("headless Chromium is needed: apt-get install -y chromium"));
    Process p = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu",
        "--virtual-time-budget=5000", "--dump-dom", url).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "chromium finished");
    return dom;
  }

  public static int[] renderCheck(String dom) {
    Matcher m = CHECK.matcher(dom);
    assertTrue(m.find(), "the page ran its render check: " + dom.substring(0, Math.min(500, dom.length())));
    return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
  }
}
