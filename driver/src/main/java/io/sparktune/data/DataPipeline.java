package io.sparktune.data;

import io.sparktune.BadInputException;
import io.sparktune.config.DataSettings;
import io.sparktune.io.HadoopFiles;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a run's data with the configured {@link DataSource}: seeded train/validation split, class set,
 * normalisation statistics from one distributed pass, cached on the executors.
 */
public final class DataPipeline {
  private static final Logger log = LoggerFactory.getLogger(DataPipeline.class);

  private DataPipeline() {}

  public static DataSource source(DataSettings d) {
    return source(d, null);
  }

  /** @param vocabulary the model's vocabulary for format text (null: its records cannot be read) */
  public static DataSource source(DataSettings d, io.sparktune.text.Vocabulary vocabulary) {
    return switch (d.format()) {
      case "text" -> new TextSource(d.text(), vocabulary);
      case "idx" -> new IdxSource();
      case "csv" -> new CsvSource(d.csvHeader(), d.csvLabelColumn(), d.csvSliceColumn(), d.csvDelimiter(),
          d.regression());
      case "image-folder" -> new ImageFolderSource(d.imageChannels(), d.imageHeight(), d.imageWidth());
      default -> throw new BadInputException("Unknown data.format '" + d.format() + "'.");
    };
  }

  /**
   * @param model the network the data is for: it decides the example layout
   * @param classesOverride the class set to use (e.g. the one saved with a model); empty = from config or data
   * @param normalizerOverride a normaliser to reuse (evaluation of a trained model); null = fit one
   * @param vocabulary the model's vocabulary for format text, null otherwise
   */
  public static PreparedData prepare(JavaSparkContext sc, DataSettings d, long seed, io.sparktune.model.Network model,
      List<String> classesOverride, DataNormalization normalizerOverride, io.sparktune.text.Vocabulary vocabulary) {
    DataSource source = source(d, vocabulary);
    List<String> classes = !classesOverride.isEmpty() ? classesOverride
        : !d.classes().isEmpty() ? d.classes()
        : discoverClasses(source, sc, d);
    if (classes.size() < 2 && !d.regression()) {
      throw new BadInputException("The data '" + d.trainDataText() + "' has " + classes.size() + " class(es) "
          + classes + "; classification needs at least 2" + (classes.isEmpty() ? " (it holds no labelled examples)."
          : "."));
    }
    if (d.format().equals("csv") || d.format().equals("text")) {
      DuplicateFiles.warnIfAny(d.trainUris()); // image folders: inspect finds duplicate examples
    }
    JavaRDD<Record> all = readTraining(source, sc, d, classes);
    if (d.maxTrainExamples() > 0) {
      long max = d.maxTrainExamples();
      all = all.zipWithIndex().filter(t -> t._2() < max).keys();
    }
    JavaRDD<Record> train;
    JavaRDD<Record> validation;
    if (d.crossValidationFold() >= 0) {
      int k = d.crossValidationFolds();
      int fold = d.crossValidationFold();
      JavaRDD<scala.Tuple2<Integer, Record>> assigned = Folds.assign(all, k, seed);
      train = assigned.filter(t -> t._1() != fold).map(scala.Tuple2::_2);
      validation = assigned.filter(t -> t._1() == fold).map(scala.Tuple2::_2);
      log.info("Cross-validation: fold {} of {} held out for validation (stratified by class).", fold + 1, k);
    } else if (!d.validationUri().isBlank()) {
      train = all;
      validation = source.read(sc, d.validationUri(), d.validationLabelsUri(), classes);
    } else {
      org.apache.spark.api.java.function.Function<String, Boolean> inTraining = trainingSplit(d, seed);
      train = all.filter(r -> inTraining.call(r.origin()));
      validation = all.filter(r -> !inTraining.call(r.origin()));
    }
    if (d.trainFraction() < 1) {
      double fraction = d.trainFraction();
      long subsetSeed = Splits.mix(seed ^ 0x7F4A_7C15L);
      train = train.filter(r -> Splits.unit(subsetSeed, r.origin()) < fraction);
    }
    train = train.persist(StorageLevel.MEMORY_AND_DISK_SER());
    validation = validation.persist(StorageLevel.MEMORY_AND_DISK_SER());

    DataNormalization normalizer = normalizerOverride;
    FeatureStatistics stats = null;
    if (normalizer == null && d.normalization().needsStatistics()) {
      stats = train.aggregate(new FeatureStatistics(), FeatureStatistics::add, FeatureStatistics::merge);
    }
    long trainCount = stats != null ? stats.count() : train.count();
    long valCount = validation.count();
    if (trainCount == 0) {
      throw new BadInputException("No training examples were read from '" + d.trainDataText() + "'.");
    }
    if (normalizer == null) {
      normalizer = d.normalization().build(stats);
    }
    TargetScale targetScale = null;
    if (d.regression()) {
      org.apache.spark.util.StatCounter t = train.mapToDouble(r -> r.target()).stats();
      targetScale = TargetScale.of(t.mean(), t.sampleStdev());
      log.info("Regression target: mean {}, std {} on the training split (the network trains on the standardised "
          + "target; metrics are in its own units).", String.format("%.4g", t.mean()), String.format("%.4g", t.sampleStdev()));
    }
    Record first = train.first();
    int[] imageDims = source.imageDims(sc, d.trainUris().get(0));
    FeatureLayout layout = model.inputLayout(imageDims, first.features().length);
    log.info("Data: {} training and {} validation examples, {} classes {}, each a {}, normalisation {}",
        trainCount, valCount, classes.size(), classes, layout, d.normalization().configName());
    log.info("Data cache: {}.", io.sparktune.spark.ClusterMemory.describe(
        io.sparktune.spark.ClusterMemory.cached(sc, train, validation)));
    return new PreparedData(train, validation, trainCount, valCount, classes, layout, imageDims, normalizer, targetScale,
        fingerprint(d));
  }

  /** The examples of every data.train-uri location, as one RDD. */
  public static JavaRDD<Record> readTraining(DataSource source, JavaSparkContext sc, DataSettings d,
      List<String> classes) {
    JavaRDD<Record> all = null;
    for (String uri : d.trainUris()) {
      JavaRDD<Record> part = source.read(sc, uri, d.trainLabelsUri(), classes);
      all = all == null ? part : all.union(part);
    }
    return all;
  }

  /** The classes found in the data.train-uri locations (sorted union when there are several). */
  public static List<String> discoverClasses(DataSource source, JavaSparkContext sc, DataSettings d) {
    if (d.trainUris().size() == 1) {
      return source.discoverClasses(sc, d.trainUri(), d.trainLabelsUri());
    }
    java.util.TreeSet<String> union = new java.util.TreeSet<>();
    for (String uri : d.trainUris()) {
      union.addAll(source.discoverClasses(sc, uri, d.trainLabelsUri()));
    }
    return List.copyOf(union);
  }

  /**
   * Whether an example of data.train-uri (by its origin) lands in the training split when a fraction is
   * held out for validation; true for every example when validation data is separate or folds decide.
   */
  public static org.apache.spark.api.java.function.Function<String, Boolean> trainingSplit(DataSettings d, long seed) {
    if (!d.validationUri().isBlank() || d.crossValidationFold() >= 0) {
      return origin -> true;
    }
    double fraction = d.validationFraction();
    return origin -> Splits.unit(seed, origin) >= fraction;
  }

  /** SHA-256 over every input file's path, size and modification time: cheap and changes with the data. */
  public static String fingerprint(DataSettings d) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      List<String> uris = new ArrayList<>(d.trainUris());
      uris.addAll(List.of(d.trainLabelsUri(), d.validationUri(), d.validationLabelsUri()));
      for (String uri : uris) {
        if (uri.isBlank()) {
          continue;
        }
        Path p = HadoopFiles.path(uri);
        FileSystem fs = HadoopFiles.fs(p);
        List<String> entries = new ArrayList<>();
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(p, true);
        while (it.hasNext()) {
          LocatedFileStatus s = it.next();
          entries.add(s.getPath() + "|" + s.getLen() + "|" + s.getModificationTime());
        }
        entries.sort(null);
        entries.forEach(e -> md.update(e.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      }
      return "sha256:" + HexFormat.of().formatHex(md.digest());
    } catch (java.io.IOException | java.security.NoSuchAlgorithmException e) {
      throw new BadInputException("Cannot fingerprint the data: " + e.getMessage(), e);
    }
  }
}
