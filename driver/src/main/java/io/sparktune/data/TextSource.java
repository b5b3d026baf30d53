package io.sparktune.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktune.BadInputException;
import io.sparktune.config.TextSettings;
import io.sparktune.io.HadoopFiles;
import io.sparktune.text.Vocabulary;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Labelled texts: JSON Lines files ({@code *.jsonl}, {@code *.json}), CSV files with a header
 * ({@code *.csv}, one record per line, RFC 4180 quoting), each optionally gzipped, or a folder with one
 * sub-folder per class holding one text file per example. JSON Lines and CSV files are streamed line by
 * line on the executors ({@link TextLines}, which decompresses), so a malformed line is reported with file
 * and line; a class folder's files are read whole (one example each). Each
 * text becomes the token ids of the model's {@link Vocabulary}.
 */
public final class TextSource implements DataSource {
  private final TextSettings settings;
  private final Vocabulary vocabulary;

  /** @param vocabulary the model's vocabulary; null when only texts or classes are read (never records) */
  public TextSource(TextSettings settings, Vocabulary vocabulary) {
    this.settings = settings;
    this.vocabulary = vocabulary;
  }

  /** One example before tokenisation. */
  public record LabelledText(String text, String label, String origin, float[] numbers) implements Serializable {
    public LabelledText(String text, String label, String origin) {
      this(text, label, origin, new float[0]);
    }
  }

  /** How the examples at a URI are laid out. */
  enum Layout { JSON_LINES, CSV, CLASS_FOLDERS }

  static Layout layout(String uri) {
    Path p = HadoopFiles.path(uri);
    if (!HadoopFiles.exists(p)) {
      throw new BadInputException("The text data path '" + uri + "' does not exist.");
    }
    if (isDirectory(p)) {
      List<FileStatus> entries = visible(p);
      if (!entries.isEmpty() && entries.stream().allMatch(FileStatus::isDirectory)) {
        return Layout.CLASS_FOLDERS;
      }
      if (entries.isEmpty() || entries.stream().anyMatch(FileStatus::isDirectory)) {
        throw new BadInputException("The text data folder '" + uri + "' must hold either JSON Lines / CSV files or "
            + "one sub-folder per class, not " + (entries.isEmpty() ? "nothing" : "both") + ".");
      }
      return fileLayout(entries.get(0).getPath());
    }
    return fileLayout(p);
  }

  private static boolean isDirectory(Path p) {
    try {
      return HadoopFiles.fs(p).getFileStatus(p).isDirectory();
    } catch (java.io.IOException e) {
      throw new BadInputException("Cannot read '" + p + "': " + e.getMessage(), e);
    }
  }

  private static List<FileStatus> visible(Path dir) {
    List<FileStatus> out = new ArrayList<>();
    for (FileStatus s : HadoopFiles.list(dir)) {
      String name = s.getPath().getName();
      if (!name.startsWith(".") && !name.startsWith("_")) {
        out.add(s);
      }
    }
    out.sort(Comparator.comparing(s -> s.getPath().getName()));
    return out;
  }

  private static Layout fileLayout(Path file) {
    String name = file.getName().toLowerCase(java.util.Locale.ROOT).replaceAll("\\.(gz|bz2|deflate)$", "");
    if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson")) {
      return Layout.JSON_LINES;
    }
    if (name.endsWith(".csv")) {
      return Layout.CSV;
    }
    throw new BadInputException("Cannot tell the text format of '" + file + "' from its name: data.format = text "
        + "reads *.jsonl / *.json / *.ndjson (JSON Lines) and *.csv files, optionally gzipped, or a folder with "
        + "one sub-folder per class.");
  }

  /** The labelled texts at {@code uri}, read on the executors. */
  public JavaRDD<LabelledText> texts(JavaSparkContext sc, String uri) {
    Layout layout = layout(uri);
    String textField = settings.textField();
    String labelField = settings.labelField();
    List<String> numericFields = settings.numericFields();
    String root = HadoopFiles.path(uri).toString().replaceAll("/+$", "");
    return switch (layout) {
      case CLASS_FOLDERS -> sc.wholeTextFiles(root + "/*/*").filter(f -> !new Path(f._1()).getName().startsWith("."))
          .map(f -> new LabelledText(f._2(), new Path(f._1()).getParent().getName(), f._1()));
      case JSON_LINES -> TextLines.parse(sc, root, (file, lines) -> jsonLines(lines, textField, labelField,
          numericFields));
      case CSV -> TextLines.parse(sc, root, (file, lines) -> csv(file, lines, textField, labelField, numericFields));
    };
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The records of one JSON Lines file, parsed as they are read. */
  static Iterator<LabelledText> jsonLines(Iterator<TextLines.Line> lines, String textField, String labelField,
      List<String> numericFields) {
    return nonBlank(lines).map(line -> {
      String where = line.file() + ":" + line.number();
      JsonNode node;
      try {
        node = JSON.readTree(line.text());
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new BadInputException("Malformed JSON at " + where + ": " + e.getOriginalMessage() + ".");
      }
      if (!node.isObject()) {
        throw new BadInputException("Malformed JSON Lines record at " + where + ": expected an object, found "
            + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + ".");
      }
      float[] numbers = new float[numericFields.size()];
      for (int k = 0; k < numbers.length; k++) {
        numbers[k] = number(field(node, numericFields.get(k), "data.text.numeric-fields", where), numericFields.get(k),
            where);
      }
      return new LabelledText(field(node, textField, "data.text.text-field", where),
          field(node, labelField, "data.text.label-field", where), where, numbers);
    }).iterator();
  }

  private static java.util.stream.Stream<TextLines.Line> nonBlank(Iterator<TextLines.Line> lines) {
    return java.util.stream.StreamSupport.stream(
        java.util.Spliterators.spliteratorUnknownSize(lines, java.util.Spliterator.ORDERED), false)
        .filter(l -> !l.text().isBlank());
  }

  private static String field(JsonNode node, String name, String key, String where) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull() || v.isContainerNode()) {
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      throw new BadInputException("The record at " + where + " has no " + (v == null || v.isNull() ? "" : "plain ")
          + "field '" + name + "' (" + key + "); its fields are " + names + ".");
    }
    return v.asText();
  }

  /** The records of one CSV file with a header line, parsed as they are read. */
  static Iterator<LabelledText> csv(String file, Iterator<TextLines.Line> lines, String textField,
      String labelField, List<String> numericFields) {
    TextLines.Line first = lines.hasNext() ? lines.next() : null;
    if (first == null || first.text().isBlank()) {
      throw new BadInputException("CSV file '" + file + "' is empty; format text needs a header line naming the "
          + "text and label columns.");
    }
    List<String> header = QuotedCsv.split(first.text(), file + ":1");
    int text = header.indexOf(textField);
    int label = header.indexOf(labelField);
    if (text < 0 || label < 0) {
      throw new BadInputException("CSV file '" + file + "' has no column '" + (text < 0 ? textField : labelField)
          + "' (" + (text < 0 ? "data.text.text-field" : "data.text.label-field") + "); its header has " + header
          + ".");
    }
    int[] numeric = new int[numericFields.size()];
    for (int k = 0; k < numeric.length; k++) {
      numeric[k] = header.indexOf(numericFields.get(k));
      if (numeric[k] < 0) {
        throw new BadInputException("CSV file '" + file + "' has no column '" + numericFields.get(k)
            + "' (data.text.numeric-fields); its header has " + header + ".");
      }
    }
    return nonBlank(lines).map(line -> {
      String where = line.file() + ":" + line.number();
      List<String> cells = QuotedCsv.split(line.text(), where);
      if (cells.size() != header.size()) {
        throw new BadInputException("Malformed CSV row at " + where + ": expected " + header.size()
            + " columns but found " + cells.size() + " (format text reads one record per line).");
      }
      float[] numbers = new float[numeric.length];
      for (int k = 0; k < numbers.length; k++) {
        numbers[k] = number(cells.get(numeric[k]), numericFields.get(k), where);
      }
      return new LabelledText(cells.get(text), cells.get(label).trim(), where, numbers);
    }).iterator();
  }

  /** A numeric field's value; anything but a finite number is an error naming the field and where. */
  private static float number(String value, String field, String where) {
    try {
      float v = Float.parseFloat(value.trim());
      if (Float.isFinite(v)) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new BadInputException("The numeric field '" + field + "' (data.text.numeric-fields) at " + where + " holds '"
        + value + "', which is not a finite number.");
  }

  @Override
  public List<String> discoverClasses(JavaSparkContext sc, String uri, String labelsUri) {
    List<String> labels = new ArrayList<>(texts(sc, uri).map(LabelledText::label).distinct().collect());
    labels.sort(null);
    return labels;
  }

  @Override
  public JavaRDD<Record> read(JavaSparkContext sc, String uri, String labelsUri, List<String> classes) {
    if (vocabulary == null) {
      throw new IllegalStateException("text records need the model's vocabulary");
    }
    Vocabulary v = vocabulary;
    int length = settings.maxLength();
    List<String> cls = List.copyOf(classes);
    return texts(sc, uri).map(t -> {
      int idx = cls.indexOf(t.label());
      if (idx < 0) {
        throw new BadInputException("The example at " + t.origin() + " has the label '" + t.label()
            + "', which is not in the class set " + cls + ".");
      }
      float[] ids = v.encode(t.text(), length);
      if (t.numbers().length == 0) {
        return new Record(ids, idx, t.origin());
      }
      float[] features = java.util.Arrays.copyOf(ids, ids.length + t.numbers().length);
      System.arraycopy(t.numbers(), 0, features, ids.length, t.numbers().length);
      return new Record(features, idx, t.origin());
    });
  }

  @Override
  public int[] imageDims(JavaSparkContext sc, String uri) {
    return null;
  }
}
