package io.sparktune.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.job.FineTuneJob;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live dashboard while a real fine-tune trains, and the report.html it leaves, loaded in headless
 * Chromium: the page's own check (report.js measures each chart's drawn marks after layout) must find
 * every chart rendered with data.
 */
class ReportIT {
  private static final Pattern CHECK = Pattern.compile("charts=(\\d+) rendered=(\\d+)");
  private static final int PORT = 18450;

  @TempDir
  Path dir;

  /** Runs headless Chromium on a URL and returns the DOM after its scripts ran. */
  static String renderedDom(String url) throws Exception {
    String chromium = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser").stream()
        .filter(p -> new File(p).canExecute()).findFirst()
        .orElseThrow(() -> new AssertionError("headless Chromium is needed: apt-get install -y chromium"));
    Process p = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu",
        "--virtual-time-budget=5000", "--dump-dom", url).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "chromium finished");
    return dom;
  }

  static int[] renderCheck(String dom) {
    Matcher m = CHECK.matcher(dom);
    assertTrue(m.find(), "the page ran its render check: " + dom.substring(0, Math.min(500, dom.length())));
    return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
  }

  @Test
  void liveDashboardAndReportRenderInChromium() throws Exception {
    Path out = dir.resolve("run");
    FineTuneSettings s = FineTuneSettings.fromConfig(ConfigLoader.load(new File("conf/examples/mnist-dl4j-zip.conf"),
        List.of("spark.master=\"local[2]\"", "data.max-train-examples=3000", "training.epochs=5",
            "training.progress-interval=300ms", "evaluation.linear-baseline.enabled=false",
            "model.adapt.cache-frozen-features=false", "monitoring.dashboard.port=" + PORT,
            "output.uri=\"" + out + "\"")));
    CompletableFuture<FineTuneJob.Result> run = CompletableFuture.supplyAsync(() -> new FineTuneJob(s, false, false).run());

    // wait until the driver serves at least one finished epoch, then load the live page
    HttpClient http = HttpClient.newHttpClient();
    String data = "";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
    while (!data.contains("\"type\":\"epoch\"") && System.nanoTime() < deadline && !run.isDone()) {
      Thread.sleep(300);
      try {
        data = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/data.json")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
      } catch (java.io.IOException notYet) {
        data = "";
      }
    }
    assertTrue(data.contains("\"type\":\"epoch\""), "the dashboard served an epoch while training: " + data);
    int[] live = renderCheck(renderedDom("http://127.0.0.1:" + PORT + "/"));
    assertTrue(live[0] >= 4 && live[1] >= 4, "live charts rendered: " + live[1] + " of " + live[0]);
    assertTrue(!run.isDone(), "the live page was checked while the run trained");

    run.get(10, TimeUnit.MINUTES);
    String report = renderedDom(out.resolve(HtmlReport.FILE).toUri().toString());
    int[] done = renderCheck(report);
    assertTrue(done[0] >= 7, "loss, accuracy, throughput, time split, gradient flow, confusion, calibration: " + done[0]);
    assertEquals(done[0], done[1], "every chart of the report rendered with data");
    assertTrue(report.contains("data:image/png;base64,"), "the error gallery shows the worst images inline");
    assertTrue(report.contains("Worst-predicted examples") && report.contains("Most-confused class pairs"));
  }
}
