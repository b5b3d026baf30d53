package io.sparktune.data;

import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A format of labelled examples read by Spark from any Hadoop URI. Implementations read on the
 * executors (never parallelize data from the driver) and report malformed input with file and line.
 */
public interface DataSource {

  /** The class names, discovered from the data at {@code uri} (used when data.classes is empty). */
  List<String> discoverClasses(JavaSparkContext sc, String uri, String labelsUri);

  /** Reads the examples at {@code uri}; labels outside {@code classes} are an error naming the example. */
  JavaRDD<Record> read(JavaSparkContext sc, String uri, String labelsUri, List<String> classes);

  /**
   * The image dimensions {channels, height, width} of every example, or null for tabular data whose
   * examples are plain feature vectors.
   */
  int[] imageDims(JavaSparkContext sc, String uri);

  /** Names of the features in example order, for reports; empty when the format has none (images). */
  default List<String> featureNames(String uri) {
    return List.of();
  }

  /**
   * This source reading features it cannot parse (missing, non-numeric, non-finite) as NaN instead of
   * failing, for inspection; formats whose features are always numbers (images, IDX, token ids) return
   * themselves.
   */
  default DataSource tolerateMissing() {
    return this;
  }
}
