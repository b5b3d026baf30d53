package io.sparktune.eval;

import io.sparktune.BadInputException;
import io.sparktune.config.DataSettings;
import io.sparktune.data.DataPipeline;
import io.sparktune.data.DataSource;
import io.sparktune.data.FeatureStatistics;
import io.sparktune.data.Record;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Every example of an evaluation data set ({@code data.train-uri}), read on the executors and cached,
 * with its class names and input shape.
 */
public record EvaluationData(String uri, JavaRDD<Record> records, List<String> classes, int[] imageDims,
    int featureCount) {

  /**
   * Reads the data; the class names come from the model when it stored them, else from the settings,
   * else from the data.
   *
   * @param vocabulary the text model's vocabulary (format text), null otherwise
   */
  public static EvaluationData read(JavaSparkContext sc, DataSettings d, List<String> modelClasses,
      io.sparktune.text.Vocabulary vocabulary) {
    if (d.isText() && vocabulary == null) {
      throw new BadInputException("data.format = text, but the model is not a text model with a vocabulary (its first "
          + "layer must be a sequence embedding, with vocabulary.txt beside it or data.text.vocabulary-uri set).");
    }
    DataSource source = DataPipeline.source(d, vocabulary);
    List<String> classes = !modelClasses.isEmpty() ? modelClasses
        : !d.classes().isEmpty() ? d.classes() : DataPipeline.discoverClasses(source, sc, d);
    JavaRDD<Record> records = DataPipeline.readTraining(source, sc, d, classes).cache();
    if (records.isEmpty()) {
      throw new BadInputException("The evaluation data '" + d.trainDataText() + "' holds no examples.");
    }
    Record first = records.first();
    return new EvaluationData(d.trainDataText(), records, classes, source.imageDims(sc, d.trainUris().get(0)),
        first.features().length);
  }

  /** Per-feature statistics of all examples (one distributed pass). */
  public FeatureStatistics statistics() {
    return records.aggregate(new FeatureStatistics(), FeatureStatistics::add, FeatureStatistics::merge);
  }

  public void release() {
    records.unpersist();
  }
}
