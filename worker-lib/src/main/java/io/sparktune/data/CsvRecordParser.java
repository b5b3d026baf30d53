package io.sparktune.data;

import io.sparktune.BadInputException;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Parses one CSV line into a {@link Record}: every column but the label (and the optional slice
 * column, whose value names the example's slice) is a numeric feature.
 *
 * <p>Errors name the file and line, so a malformed row in a million-line file can be found.
 */
public final class CsvRecordParser implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String delimiterRegex;
  private final int columnCount;
  private final int labelColumn;
  private final int sliceColumn;
  private final Map<String, Integer> classIndex;
  private final List<String> classNames;
  private final boolean missingAsNaN;

  /**
   * @param delimiter the column separator, e.g. ","
   * @param columnCount columns every row must have (taken from the header or first row)
   * @param labelColumn zero-based index of the label column
   * @param sliceColumn zero-based index of the slice column, -1 for none
   * @param classNames the class set; a label value must be one of these strings; empty = regression:
   *     the label column is a real-valued target
   */
  public CsvRecordParser(String delimiter, int columnCount, int labelColumn, int sliceColumn, List<String> classNames) {
    this(delimiter, columnCount, labelColumn, sliceColumn, classNames, false);
  }

  /**
   * @param missingAsNaN an empty, non-numeric or non-finite feature cell becomes NaN instead of an error
   *     (for data inspection, which counts them; training refuses them)
   */
  public CsvRecordParser(String delimiter, int columnCount, int labelColumn, int sliceColumn, List<String> classNames,
      boolean missingAsNaN) {
    this.missingAsNaN = missingAsNaN;
    this.delimiterRegex = Pattern.quote(delimiter);
    this.columnCount = columnCount;
    this.labelColumn = labelColumn;
    this.sliceColumn = sliceColumn;
    this.classNames = List.copyOf(classNames);
    this.classIndex = new java.util.HashMap<>();
    for (int i = 0; i < classNames.size(); i++) {
      classIndex.put(classNames.get(i), i);
    }
  }

  public String[] split(String line) {
    return line.split(delimiterRegex, -1);
  }

  /** Parses a data line; {@code file} and {@code lineNumber} (1-based) appear in any error. */
  public Record parse(String line, String file, long lineNumber) {
    String where = file + ":" + lineNumber;
    String[] cells = split(line);
    if (cells.length != columnCount) {
      throw new BadInputException(
          "Malformed CSV row at " + where + ": expected " + columnCount + " columns but found "
              + cells.length + ".");
    }
    float[] features = new float[columnCount - (sliceColumn >= 0 ? 2 : 1)];
    int k = 0;
    for (int c = 0; c < cells.length; c++) {
      if (c == labelColumn || c == sliceColumn) {
        continue;
      }
      String cell = cells[c].trim();
      float v;
      try {
        v = Float.parseFloat(cell);
      } catch (NumberFormatException e) {
        if (missingAsNaN) {
          features[k++] = Float.NaN;
          continue;
        }
        throw new BadInputException(
            "Malformed CSV row at " + where + ": column " + (c + 1) + " holds '" + cell
                + "', which is not a number.");
      }
      if (!Float.isFinite(v) && missingAsNaN) {
        v = Float.NaN;
      } else if (!Float.isFinite(v)) {
        // Java reads "NaN" and "Infinity" as numbers; one of them would turn every weight into NaN
        throw new BadInputException("Malformed CSV row at " + where + ": column " + (c + 1) + " holds '" + cell
            + "', which is not a finite number; impute or drop missing values before training.");
      }
      features[k++] = v;
    }
    String labelText = cells[labelColumn].trim();
    String slice = sliceColumn >= 0 ? cells[sliceColumn].trim() : "";
    if (classNames.isEmpty()) {
      try {
        return new Record(features, 0, where, slice, Float.parseFloat(labelText));
      } catch (NumberFormatException e) {
        throw new BadInputException("Malformed CSV row at " + where + ": the target column holds '" + labelText
            + "', which is not a number (data.task = regression).");
      }
    }
    Integer label = classIndex.get(labelText);
    if (label == null) {
      throw new BadInputException(
          "Label '" + labelText + "' at " + where + " is outside the class set " + classNames
              + ". Add it to data.classes or fix the row.");
    }
    return new Record(features, label, where, slice);
  }
}
