package io.sparktune.report;

import io.sparktune.io.HadoopFiles;
import io.sparktune.io.Json;
import io.sparktune.job.ErrorAnalysisWriter;
import io.sparktune.job.MetricsLog;
import io.sparktune.job.RunDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/**
 * The self-contained report.html of a run: one page with its data embedded as JSON and the bundled
 * renderer (report.js, plain SVG, no libraries, nothing fetched), so it opens anywhere offline. The live
 * dashboard uses the same page and renderer, fed from the driver instead.
 */
public final class HtmlReport {
  public static final String FILE = "report.html";

  private HtmlReport() {}

  /** Everything a run directory holds that the report shows: metrics, the metrics log, error analysis, comparison. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> runData(RunDirectory out, String title) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("title", title);
    data.put("status", "finished");
    data.put("updated", java.time.Instant.now().toString());
    Map<String, Object> metrics = readJson(out, "metrics.json");
    if (metrics != null) {
      data.put("metrics", metrics);
      if (metrics.get("evaluation") != null) {
        data.put("evaluation", metrics.get("evaluation"));
        data.put("classes", metrics.get("classes"));
      }
    }
    Path log = out.file(MetricsLog.FILE);
    if (HadoopFiles.exists(log)) {
      data.put("records", MetricsLog.read(HadoopFiles.readString(log, "metrics log")));
    }
    Map<String, Object> errors = readJson(out, ErrorAnalysisWriter.FILE);
    if (errors != null) {
      for (Map<String, Object> w : (List<Map<String, Object>>) errors.getOrDefault("worst-examples", List.of())) {
        if (w.get("image") instanceof String image) {
          w.put("image-data", "data:image/png;base64," + Base64.getEncoder().encodeToString(readBytes(out.file(image))));
        }
      }
      data.put("errors", errors);
    }
    Map<String, Object> importance = readJson(out, "feature-importance.json");
    if (importance != null) {
      data.put("importance", importance);
    }
    Map<String, Object> comparison = readJson(out, "comparison.json");
    if (comparison != null) {
      data.put("comparison", comparison);
      data.put("metrics", Map.of());
    }
    return data;
  }

  /** Writes report.html into the run directory. */
  public static void write(RunDirectory out, String title) {
    HadoopFiles.writeString(out.file(FILE), page(title, runData(out, title)));
  }

  /** A static page with the data embedded. */
  public static String page(String title, Map<String, Object> data) {
    // "</" must not appear inside the script element holding the JSON
    String json = Json.writeLine(data).replace("</", "<\\/");
    return fill(title, "", "<script type=\"application/json\" id=\"report-data\">" + json + "</script>");
  }

  /** The live page: the renderer polls {@code dataPath} every two seconds. */
  public static String livePage(String title, String dataPath) {
    return fill(title, " data-live=\"" + dataPath + "\"", "");
  }

  private static String fill(String title, String live, String data) {
    String escaped = title.replace("&", "&amp;").replace("<", "&lt;");
    return resource("template.html").replace("{{TITLE}}", escaped).replace("{{LIVE}}", live)
        .replace("{{CSS}}", resource("report.css")).replace("{{JS}}", resource("report.js")).replace("{{DATA}}", data);
  }

  private static String resource(String name) {
    try (InputStream in = HtmlReport.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("The report resource " + name + " is missing from the build.");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, Object> readJson(RunDirectory out, String name) {
    Path p = out.file(name);
    return HadoopFiles.exists(p) ? Json.readMap(HadoopFiles.readString(p, name)) : null;
  }

  private static byte[] readBytes(Path p) {
    try (InputStream in = HadoopFiles.open(p, "error image")) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
