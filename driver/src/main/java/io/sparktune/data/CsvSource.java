package io.sparktune.data;

import io.sparktune.BadInputException;
import io.sparktune.io.HadoopFiles;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * CSV files (one file or a directory of them): numeric feature columns, one label column and
 * optionally a slice column (for per-slice metrics), chosen by header name or index. Files are streamed
 * line by line on the executors ({@link TextLines}), so errors can name file and line.
 */
public final class CsvSource implements DataSource {
  private final boolean header;
  private final String labelColumn;
  private final String sliceColumn;
  private final String delimiter;
  private final boolean regression;
  private final boolean missingAsNaN;

  /**
   * @param sliceColumn name or index of the slice column, "" for none
   * @param regression the label column is a real-valued target, not a class
   */
  public CsvSource(boolean header, String labelColumn, String sliceColumn, String delimiter, boolean regression) {
    this(header, labelColumn, sliceColumn, delimiter, regression, false);
  }

  private CsvSource(boolean header, String labelColumn, String sliceColumn, String delimiter, boolean regression,
      boolean missingAsNaN) {
    this.missingAsNaN = missingAsNaN;
    this.regression = regression;
    this.header = header;
    this.labelColumn = labelColumn;
    this.sliceColumn = sliceColumn;
    this.delimiter = delimiter;
  }

  /** Empty, non-numeric and non-finite feature cells read as NaN (inspection counts them) instead of failing. */
  @Override
  public DataSource tolerateMissing() {
    return new CsvSource(header, labelColumn, sliceColumn, delimiter, regression, true);
  }

  /** Column layout read from the first file: column count, the label and slice columns' indexes (-1 = none). */
  record Layout(int columns, int labelIndex, int sliceIndex) implements java.io.Serializable {}

  Layout layout(String uri) {
    Path first = firstFile(uri);
    String line;
    try (BufferedReader r = TextLines.reader(first.toString(), HadoopFiles.open(first, "CSV file (data)"))) {
      line = r.readLine();
    } catch (java.io.IOException e) {
      throw new BadInputException("Cannot read CSV file '" + first + "': " + e.getMessage(), e);
    }
    if (line == null) {
      throw new BadInputException("CSV file '" + first + "' is empty.");
    }
    String[] cells = new CsvRecordParser(delimiter, 0, 0, -1, List.of()).split(line);
    int label = columnIndex("data.csv.label-column", labelColumn, cells, first);
    int slice = sliceColumn.isBlank() ? -1 : columnIndex("data.csv.slice-column", sliceColumn, cells, first);
    if (slice == label) {
      throw new BadInputException("data.csv.slice-column and data.csv.label-column name the same column ("
          + label + "); the slice column must be another one.");
    }
    return new Layout(cells.length, label, slice);
  }

  /** The zero-based index of a column given by name (needs a header) or index (negative from the end). */
  private int columnIndex(String key, String spec, String[] cells, Path first) {
    int n = cells.length;
    if (spec.matches("-?\\d+")) {
      int idx = Integer.parseInt(spec);
      idx = idx < 0 ? n + idx : idx;
      if (idx < 0 || idx >= n) {
        throw new BadInputException(key + " = " + spec + " is outside the " + n + " columns of '" + first + "'.");
      }
      return idx;
    }
    if (!header) {
      throw new BadInputException(key + " names a column ('" + spec
          + "') but data.csv.header = false; give the column's index instead.");
    }
    int idx = Arrays.asList(cells).stream().map(String::trim).toList().indexOf(spec);
    if (idx < 0) {
      throw new BadInputException(key + " = '" + spec + "' is not a column of '" + first + "'; its header has "
          + Arrays.toString(cells) + ".");
    }
    return idx;
  }

  static Path firstFile(String uri) {
    Path p = HadoopFiles.path(uri);
    FileSystem fs = HadoopFiles.fs(p);
    try {
      if (!fs.exists(p)) {
        throw new BadInputException("The data path '" + uri + "' does not exist.");
      }
      if (fs.getFileStatus(p).isFile()) {
        return p;
      }
      List<Path> files = new ArrayList<>();
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(p, true);
      while (it.hasNext()) {
        Path f = it.next().getPath();
        if (!f.getName().startsWith(".") && !f.getName().startsWith("_")) {
          files.add(f);
        }
      }
      if (files.isEmpty()) {
        throw new BadInputException("The data directory '" + uri + "' holds no CSV files.");
      }
      files.sort(Comparator.comparing(Path::toString));
      return files.get(0);
    } catch (java.io.IOException e) {
      throw new BadInputException("Cannot list '" + uri + "': " + e.getMessage(), e);
    }
  }

  /** Every data line (header lines skipped, blank lines dropped), streamed file by file. */
  private JavaRDD<TextLines.Line> lines(JavaSparkContext sc, String uri) {
    firstFile(uri);
    boolean skipHeader = header;
    return TextLines.lines(sc, HadoopFiles.path(uri).toString())
        .filter(l -> !(skipHeader && l.number() == 1) && !l.text().isBlank());
  }

  /** For regression the one "class" is the target, named after its column. */
  @Override
  public List<String> discoverClasses(JavaSparkContext sc, String uri, String labelsUri) {
    if (regression) {
      return List.of(labelColumn.matches("-?\\d+") ? "target" : labelColumn);
    }
    Layout layout = layout(uri);
    String d = delimiter;
    List<String> labels = new ArrayList<>(lines(sc, uri).map(t -> {
      String[] cells = new CsvRecordParser(d, 0, 0, -1, List.of()).split(t.text());
      if (cells.length != layout.columns()) {
        throw new BadInputException("Malformed CSV row at " + t.file() + ":" + t.number() + ": expected "
            + layout.columns() + " columns but found " + cells.length + ".");
      }
      return cells[layout.labelIndex()].trim();
    }).distinct().collect());
    boolean numeric = labels.stream().allMatch(s -> s.matches("-?\\d+"));
    labels.sort(numeric ? Comparator.comparingLong(Long::parseLong) : Comparator.naturalOrder());
    return labels;
  }

  @Override
  public JavaRDD<Record> read(JavaSparkContext sc, String uri, String labelsUri, List<String> classes) {
    Layout layout = layout(uri);
    CsvRecordParser parser = new CsvRecordParser(delimiter, layout.columns(), layout.labelIndex(), layout.sliceIndex(),
        regression ? List.of() : classes, missingAsNaN);
    return lines(sc, uri).map(t -> parser.parse(t.text(), t.file(), t.number()));
  }

  /** Header names of the feature columns (or "column N", 1-based, without a header). */
  @Override
  public List<String> featureNames(String uri) {
    Layout layout = layout(uri);
    String[] header = null;
    if (this.header) {
      Path first = firstFile(uri);
      try (BufferedReader r = TextLines.reader(first.toString(), HadoopFiles.open(first, "CSV file (data)"))) {
        header = new CsvRecordParser(delimiter, 0, 0, -1, List.of()).split(r.readLine());
      } catch (java.io.IOException e) {
        throw new BadInputException("Cannot read CSV file '" + uri + "': " + e.getMessage(), e);
      }
    }
    List<String> names = new ArrayList<>();
    for (int c = 0; c < layout.columns(); c++) {
      if (c != layout.labelIndex() && c != layout.sliceIndex()) {
        names.add(header != null ? header[c].trim() : "column " + (c + 1));
      }
    }
    return names;
  }

  @Override
  public int[] imageDims(JavaSparkContext sc, String uri) {
    return null;
  }
}
