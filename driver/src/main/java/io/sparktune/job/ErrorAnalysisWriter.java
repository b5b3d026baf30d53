package io.sparktune.job;

import io.sparktune.eval.ClassificationResult;
import io.sparktune.eval.ErrorAnalysis;
import io.sparktune.eval.MacroAverages;
import io.sparktune.io.HadoopFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Writes error-analysis.json (worst-predicted examples, per-slice metrics, most-confused pairs) into a
 * run directory, with a PNG of each worst example under errors/ when the inputs are images.
 */
public final class ErrorAnalysisWriter {
  public static final String FILE = "error-analysis.json";

  private ErrorAnalysisWriter() {}

  public static Map<String, Object> write(RunDirectory out, ErrorAnalysis analysis, List<String> classes,
      int[] imageDims, Map<String, Object> overallMetrics) {
    List<Map<String, Object>> worst = new ArrayList<>();
    int rank = 0;
    for (ErrorAnalysis.Example e : analysis.worst()) {
      rank++;
      Map<String, Object> w = new LinkedHashMap<>();
      w.put("rank", rank);
      w.put("origin", e.origin());
      if (!e.slice().isEmpty()) {
        w.put("slice", e.slice());
      }
      w.put("actual", classes.get(e.truth()));
      w.put("predicted", classes.get(e.predicted()));
      w.put("confidence", e.confidence());
      w.put("probability-of-actual", e.trueProbability());
      w.put("loss", e.loss());
      if (imageDims != null) {
        String name = String.format("errors/worst-%03d.png", rank);
        writePng(out, name, e.features(), imageDims);
        w.put("image", name);
      } else {
        w.put("features", e.features());
      }
      worst.add(w);
    }
    Map<String, Object> slices = new LinkedHashMap<>();
    for (Map.Entry<String, ClassificationResult> s : analysis.slices().entrySet()) {
      ClassificationResult r = s.getValue();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("examples", r.examples());
      m.put("accuracy", r.evaluation().accuracy());
      m.put("macro-f1", MacroAverages.of(r.evaluation(), classes.size()).f1());
      m.put("log-loss", r.logLoss());
      slices.put(s.getKey(), m);
    }
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("most-confused", overallMetrics.get("most-confused"));
    report.put("worst-examples", worst);
    report.put("slices", slices);
    out.writeJson(FILE, report);
    return report;
  }

  /** The raw example as an image: 0..1 inputs are scaled to 0..255, anything else is clamped. */
  static void writePng(RunDirectory out, String name, float[] f, int[] chw) {
    int c = chw[0];
    int h = chw[1];
    int w = chw[2];
    float max = 0;
    for (float v : f) {
      max = Math.max(max, v);
    }
    float scale = max <= 1f ? 255f : 1f;
    BufferedImage img = new BufferedImage(w, h, c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int[] ch = new int[c];
        for (int k = 0; k < c; k++) {
          ch[k] = Math.max(0, Math.min(255, Math.round(f[(k * h + y) * w + x] * scale)));
        }
        int rgb = c == 1 ? (ch[0] << 16) | (ch[0] << 8) | ch[0] : (ch[0] << 16) | (ch[1] << 8) | ch[2];
        img.setRGB(x, y, rgb);
      }
    }
    try (OutputStream o = HadoopFiles.create(out.file(name))) {
      ImageIO.write(img, "png", o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
