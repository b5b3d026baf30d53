package io.sparktune.notebook;

import io.sparktune.io.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads what a sparktune run wrote into its local output directory (metrics.json, metrics.jsonl, ...). */
public final class Runs {
  private Runs() {}

  /** A JSON file of the run as a map, e.g. {@code Runs.json("runs/quickstart", "metrics.json")}. */
  public static Map<String, Object> json(String runDir, String file) {
    return Json.readMap(read(Path.of(runDir, file)));
  }

  /** The records of metrics.jsonl whose "type" is {@code type} ("epoch", "step", ...), in order. */
  public static List<Map<String, Object>> records(String runDir, String type) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String line : read(Path.of(runDir, "metrics.jsonl")).split("\n")) {
      if (!line.isBlank()) {
        Map<String, Object> r = Json.readMap(line);
        if (type.equals(r.get("type"))) {
          out.add(r);
        }
      }
    }
    return out;
  }

  /** One numeric field of each record, e.g. {@code Runs.column(epochs, "accuracy")}; NaN where absent. */
  public static double[] column(List<Map<String, Object>> records, String field) {
    return records.stream().mapToDouble(r -> r.get(field) instanceof Number n ? n.doubleValue() : Double.NaN).toArray();
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + p + " (has the run finished?)", e);
    }
  }
}
