package io.sparktune.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.HeadlessChromium;
import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.job.FineTuneJob;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live dashboard while a real fine-tune trains, and the report.html it leaves, loaded in headless
 * Chromium: the page's own check (report.js measures each chart's drawn marks after layout) must find
 * every chart rendered with data.
 */
class ReportIT {
  private static final int PORT = 18450;

  @TempDir
  Path dir;

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
    int[] live = HeadlessChromium.renderCheck(HeadlessChromium.renderedDom("http://127.0.0.1:" + PORT + "/"));
    assertTrue(live[0] >= 4 && live[1] >= 4, "live charts rendered: " + live[1] + " of " + live[0]);
    assertTrue(!run.isDone(), "the live page was checked while the run trained");

    run.get(10, TimeUnit.MINUTES);
    String report = HeadlessChromium.renderedDom(out.resolve(HtmlReport.FILE).toUri().toString());
    int[] done = HeadlessChromium.renderCheck(report);
    assertTrue(done[0] >= 7, "loss, accuracy, throughput, time split, gradient flow, confusion, calibration: " + done[0]);
    assertEquals(done[0], done[1], "every chart of the report rendered with data");
    assertTrue(report.contains("data:image/png;base64,"), "the error gallery shows the worst images inline");
    assertTrue(report.contains("Worst-predicted examples") && report.contains("Most-confused class pairs"));
  }
}
