package io.sparktune.job;

import io.sparktune.io.HadoopFiles;
import io.sparktune.io.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/**
 * A run's metrics.jsonl: one JSON object per line, each with a "type" (progress, epoch, evaluation),
 * readable by the HTML report and by any other tool. The file is rewritten whole at each flush (a few
 * hundred lines), so it works on object stores without append; a resumed run keeps the earlier lines.
 */
public final class MetricsLog {
  public static final String FILE = "metrics.jsonl";

  private final Path file;
  private final List<String> lines = new ArrayList<>();

  private MetricsLog(Path file) {
    this.file = file;
  }

  /** The log of a run directory; with {@code keepExisting}, continues the lines already there. */
  public static MetricsLog open(RunDirectory out, boolean keepExisting) {
    MetricsLog log = new MetricsLog(out.file(FILE));
    if (keepExisting && HadoopFiles.exists(log.file)) {
      for (String line : HadoopFiles.readString(log.file, "metrics log").split("\n")) {
        if (!line.isBlank()) {
          log.lines.add(line);
        }
      }
    }
    return log;
  }

  /** Appends a record; "type" comes first. Thread-safe. */
  public void append(String type, Map<String, Object> record) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("type", type);
    r.putAll(record);
    synchronized (lines) {
      lines.add(Json.writeLine(r));
    }
  }

  public void flush() {
    String text;
    synchronized (lines) {
      text = String.join("\n", lines) + (lines.isEmpty() ? "" : "\n");
    }
    HadoopFiles.writeString(file, text);
  }

  /** Every record so far, parsed (the live dashboard). */
  public List<Map<String, Object>> records() {
    synchronized (lines) {
      return read(String.join("\n", lines));
    }
  }

  /** Every record of a metrics.jsonl text, parsed (for tests and the report). */
  public static List<Map<String, Object>> read(String text) {
    List<Map<String, Object>> records = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank()) {
        records.add(Json.readMap(line));
      }
    }
    return records;
  }
}
