package io.sparktune.config;

import com.typesafe.config.Config;
import io.sparktune.data.Normalization;
import java.util.Arrays;
import java.util.List;

/**
 * {@code sparktune.data}: where the examples come from and how they become minibatches.
 *
 * @param task classification or regression
 * @param format idx, csv, image-folder or text
 * @param trainUris training data: one URI, or several read as one data set (csv, text, image-folder)
 * @param trainLabelsUri IDX labels for trainUri
 * @param validationUri separate validation data, or "" to split
 * @param validationLabelsUri IDX labels for validationUri
 * @param validationFraction share held out when splitting
 * @param maxTrainExamples cap on training examples, 0 = all
 * @param trainFraction seeded share of the training split used for training (learning curves), 1 = all
 * @param classes class names, empty = from the data
 * @param normalization feature normalisation
 * @param csvHeader CSV files start with a header line
 * @param csvLabelColumn label column name or index (-1 = last)
 * @param csvSliceColumn slice column name or index, "" = none
 * @param csvDelimiter column separator
 * @param imageHeight expected image height
 * @param imageWidth expected image width
 * @param imageChannels 1 or 3
 * @param crossValidationFolds folds of sparktune cv
 * @param crossValidationFold the fold this run holds out, -1 = none
 * @param text how text examples become token sequences (format text)
 */
public record DataSettings(String task, String format, List<String> trainUris, String trainLabelsUri, String validationUri,
    String validationLabelsUri, double validationFraction, int maxTrainExamples, double trainFraction,
    List<String> classes,
    Normalization normalization, boolean csvHeader, String csvLabelColumn, String csvSliceColumn, String csvDelimiter,
    int imageHeight, int imageWidth, int imageChannels, int crossValidationFolds, int crossValidationFold,
    TextSettings text) {

  public static final List<String> FORMATS = List.of("idx", "csv", "image-folder", "text");

  /** The training URI of a format that reads one location (idx); several URIs are an error here. */
  public String trainUri() {
    if (trainUris.size() != 1) {
      throw new IllegalStateException("data.train-uri names " + trainUris.size() + " locations; this path reads one.");
    }
    return trainUris.get(0);
  }

  /** The training data for messages and reports: the URI, or the URIs joined by ", ". */
  public String trainDataText() {
    return String.join(", ", trainUris);
  }

  public boolean isText() {
    return format.equals("text");
  }
  public static final List<String> TASKS = List.of("classification", "regression");

  public boolean regression() {
    return task.equals("regression");
  }

  static DataSettings fromConfig(Config c, ConfigProblems p) {
    String base = ConfigLoader.ROOT + ".data.";
    String format = p.string(base + "format");
    if (!FORMATS.contains(format)) {
      p.add(base + "format", format.isEmpty()
          ? "is required: one of " + String.join(", ", FORMATS) + "."
          : "must be one of " + String.join(", ", FORMATS) + ".");
    }
    String task = p.oneOf(base + "task", TASKS);
    if (task.equals("regression") && !format.equals("csv")) {
      p.add(base + "task", "is regression, which needs data.format = csv (a numeric target column).");
    }
    List<String> trainUris = trainUris(c, p, base + "train-uri", format);
    String trainLabels = p.string(base + "train-labels-uri");
    String valUri = p.string(base + "validation-uri");
    String valLabels = p.string(base + "validation-labels-uri");
    if (format.equals("idx")) {
      if (trainLabels.isBlank()) {
        p.add(base + "train-labels-uri", "is required for format idx: the IDX labels file.");
      }
      if (!valUri.isBlank() && valLabels.isBlank()) {
        p.add(base + "validation-labels-uri", "is required for format idx when validation-uri is set.");
      }
    }
    String norm = p.oneOf(base + "normalization",
        Arrays.stream(Normalization.values()).map(Normalization::configName).toList());
    if (format.equals("text") && !norm.equals(Normalization.NONE.configName())) {
      p.add(base + "normalization", "is " + norm + ", but format text gives token ids, which must not be scaled; "
          + "set it to none.");
    }
    String delimiter = p.string(base + "csv.delimiter");
    if (delimiter.length() != 1) {
      p.add(base + "csv.delimiter", "must be exactly one character.");
    }
    int channels = p.intIn(base + "image.channels", 1, 3);
    int folds = p.intIn(base + "cross-validation.folds", 2, 100);
    if (channels == 2) {
      p.add(base + "image.channels", "must be 1 (grey) or 3 (RGB).");
    }
    return new DataSettings(task, format, trainUris, trainLabels, valUri, valLabels,
        p.doubleIn(base + "validation-fraction", 0, 0.9, false),
        p.intIn(base + "max-train-examples", 0, Integer.MAX_VALUE),
        p.doubleIn(base + "train-fraction", 0, 1, true),
        p.stringList(base + "classes"), Normalization.fromConfigName(norm),
        p.bool(base + "csv.header"), p.string(base + "csv.label-column"),
        p.string(base + "csv.slice-column"), delimiter,
        p.intIn(base + "image.height", 1, 16384), p.intIn(base + "image.width", 1, 16384), channels, folds,
        p.intIn(base + "cross-validation.fold", -1, Math.max(-1, folds - 1)), TextSettings.fromConfig(c, p));
  }

  /** data.train-uri: a string, or a non-empty list of strings (not for idx, whose labels file pairs with one images file). */
  private static List<String> trainUris(Config c, ConfigProblems p, String key, String format) {
    if (c.hasPath(key) && c.getValue(key).valueType() == com.typesafe.config.ConfigValueType.LIST) {
      List<String> uris = p.stringList(key);
      if (uris.isEmpty() || uris.stream().anyMatch(String::isBlank)) {
        p.add(key, "is an empty list or holds an empty string; give one URI or a list of non-empty URIs.");
      } else if (format.equals("idx")) {
        p.add(key, "is a list, but format idx reads one images file (with data.train-labels-uri); lists are for "
            + "csv, text and image-folder.");
      }
      return uris;
    }
    return List.of(p.requiredString(key, "the URI of the training data (or a list of URIs read as one data set)"));
  }
}
