package io.sparktune.job;

import io.sparktune.BadInputException;
import io.sparktune.config.DataSettings;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.config.InspectSettings;
import io.sparktune.data.DataPipeline;
import io.sparktune.data.DataSource;
import io.sparktune.data.PreparedData;
import io.sparktune.data.Record;
import io.sparktune.inspect.ConfidentLearning;
import io.sparktune.inspect.DataQuality;
import io.sparktune.inspect.Duplicates;
import io.sparktune.inspect.Outliers;
import io.sparktune.io.HadoopFiles;
import io.sparktune.model.ModelLoader;
import io.sparktune.model.Network;
import io.sparktune.report.HtmlReport;
import io.sparktune.spark.SparkContexts;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * sparktune inspect: a data quality report of the configured data, computed on the executors. One pass
 * counts examples, classes and per-feature statistics (missing, constant, out-of-range values); content
 * hashes find exact duplicates, conflicting labels and examples shared by the training and validation
 * splits; z-scores find outliers. Then, through the single fine-tune path: one fine-tune per fold scores
 * the fold it held out, and confident learning names likely label errors; fine-tunes on growing shares of
 * the training split give a learning curve that says whether more data would still help. Writes
 * inspect.json and report.html.
 */
public final class InspectJob {
  private static final Logger log = LoggerFactory.getLogger(InspectJob.class);
  public static final String FILE = "inspect.json";

  private final FineTuneSettings s;
  private final InspectSettings inspect;
  private final boolean overwrite;

  public InspectJob(FineTuneSettings settings, InspectSettings inspect, boolean overwrite) {
    this.s = settings;
    this.inspect = inspect;
    this.overwrite = overwrite;
  }

  public Map<String, Object> run() {
    boolean trains = inspect.labelErrorFolds() > 0 || !inspect.learningCurveFractions().isEmpty();
    if (trains && s.training().onDl4jGradientSharing()) {
      throw new BadInputException("sparktune inspect fine-tunes several times in one Spark application (label "
          + "errors, learning curve), and DL4J's gradient sharing cannot start a second training master in one "
          + "application; use training.strategy = parameter-averaging or training.gradient-sharing.implementation = sparktune, or set inspect.label-errors.folds = 0 and "
          + "inspect.learning-curve.fractions = [].");
    }
    return SparkContexts.with(s.spark(), this::run);
  }

  public Map<String, Object> run(JavaSparkContext sc) {
    Instant start = Instant.now();
    HadoopFiles.useConfiguration(sc.hadoopConfiguration());
    RunDirectory out = new RunDirectory(s.run().outputUri());
    out.prepare(overwrite, false);
    DataSettings d = s.data();
    Network base = ModelLoader.load(s.model().uri(), s.model().format(), s.model().weightsUri(), s.seed());
    io.sparktune.data.TextModel text = d.isText()
        ? io.sparktune.data.TextModel.resolve(sc, d, s.model(), base, s.seed()) : null;
    io.sparktune.text.Vocabulary vocabulary = text == null ? null : text.vocabulary();
    Network model = text == null ? base : text.network();
    DataSource source = DataPipeline.source(d, vocabulary).tolerateMissing();
    List<String> classes = d.regression() ? List.of() : !d.classes().isEmpty() ? d.classes()
        : DataPipeline.discoverClasses(source, sc, d);
    JavaRDD<Record> all = DataPipeline.readTraining(source, sc, d, classes).persist(StorageLevel.MEMORY_AND_DISK_SER());
    JavaRDD<Record> train;
    JavaRDD<Record> validation;
    if (!d.validationUri().isBlank()) {
      train = all;
      validation = source.read(sc, d.validationUri(), d.validationLabelsUri(), classes)
          .persist(StorageLevel.MEMORY_AND_DISK_SER());
    } else {
      org.apache.spark.api.java.function.Function<String, Boolean> inTraining = DataPipeline.trainingSplit(d, s.seed());
      train = all.filter(r -> inTraining.call(r.origin()));
      validation = all.filter(r -> !inTraining.call(r.origin()));
    }
    try {
      double[] range = validRange(d);
      int k = classes.size();
      DataQuality quality = all.aggregate(new DataQuality(k, range[0], range[1]), DataQuality::add, DataQuality::merge);
      if (quality.examples() == 0) {
        throw new BadInputException("The data '" + d.trainDataText() + "' holds no examples.");
      }
      List<String> featureNames = source.featureNames(d.trainUris().get(0));
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("data", d.trainDataText());
      report.put("validation", d.validationUri().isBlank()
          ? String.format("%.0f%% of the data, held out by seed %d", 100 * d.validationFraction(), s.seed())
          : d.validationUri());
      report.put("format", d.format());
      report.put("quality", quality.toMap(classes, featureNames));
      log.info("Inspect: {} examples, {} features; checking duplicates and leakage.", quality.examples(),
          quality.features());
      report.put("duplicates", Duplicates.find(train, validation, inspect.maxListed()));
      if (d.isText()) {
        report.put("outliers", Map.of("skipped", "token ids are not measurements; z-scores say nothing about texts"));
      } else {
        report.put("outliers", Outliers.find(all, quality, inspect.outlierDistance(), inspect.maxListed(), classes,
            featureNames));
      }
      String cannotTrain = quality.examplesWithMissing() > 0 ? quality.examplesWithMissing() + " examples have "
          + "missing or non-numeric values, which training refuses; impute or drop them first" : null;
      report.put("label-errors", labelErrors(sc, out, model, vocabulary, classes, cannotTrain));
      report.put("learning-curve", learningCurve(sc, out, cannotTrain));
      report.put("seconds", java.time.Duration.between(start, Instant.now()).toMillis() / 1000.0);
      out.writeConfig(s);
      out.writeJson(FILE, report);
      out.writeProvenance(Provenance.of(s, DataPipeline.fingerprint(d), start, Instant.now(),
          sc.master()));
      String title = "sparktune inspect: " + d.trainDataText();
      Map<String, Object> page = new LinkedHashMap<>();
      page.put("title", title);
      page.put("status", "finished");
      page.put("inspection", report);
      HadoopFiles.writeString(out.file(HtmlReport.FILE), HtmlReport.page(title, page));
      out.markComplete();
      InspectSummary.print(report, out.uri());
      return report;
    } finally {
      all.unpersist();
      validation.unpersist();
    }
  }

  /** inspect.valid-range, or [0, 255] for image formats, or no range (NaN). */
  private double[] validRange(DataSettings d) {
    if (!inspect.validRange().isEmpty()) {
      return new double[] {inspect.validRange().get(0), inspect.validRange().get(1)};
    }
    boolean images = d.format().equals("idx") || d.format().equals("image-folder");
    return images ? new double[] {0, 255} : new double[] {Double.NaN, Double.NaN};
  }

  /** The settings of a fine-tune inspect runs for itself: no extra evaluations beside the final one. */
  private FineTuneSettings quiet(FineTuneSettings f) {
    return f.with("evaluation.head-only-baseline", false, "sparktune inspect")
        .with("evaluation.linear-baseline.enabled", false, "sparktune inspect")
        .with("evaluation.feature-importance.enabled", false, "sparktune inspect")
        .with("evaluation.worst-examples", 0, "sparktune inspect");
  }

  private Map<String, Object> labelErrors(JavaSparkContext sc, RunDirectory out, Network model,
      io.sparktune.text.Vocabulary vocabulary, List<String> classes, String cannotTrain) {
    int k = inspect.labelErrorFolds();
    if (k == 0) {
      return Map.of("skipped", "inspect.label-errors.folds = 0");
    }
    if (s.data().regression()) {
      return Map.of("skipped", "a regression task has no labels to be wrong");
    }
    if (cannotTrain != null) {
      return Map.of("skipped", cannotTrain);
    }
    JavaRDD<ConfidentLearning.Scored> scored = null;
    List<JavaRDD<ConfidentLearning.Scored>> parts = new ArrayList<>();
    try (SharedData shared = new SharedData()) {
      for (int fold = 0; fold < k; fold++) {
        String dir = out.uri().replaceAll("/+$", "") + String.format("/label-errors/fold-%02d", fold + 1);
        FineTuneSettings fs = quiet(s.with("data.cross-validation.folds", k, "sparktune inspect")
            .with("data.cross-validation.fold", fold, "sparktune inspect")).withOutput(dir);
        log.info("Inspect, label errors: fold {}/{} fine-tunes on the other folds and scores this one -> {}", fold + 1,
            k, dir);
        PreparedData data = shared.get(sc, fs, model, vocabulary);
        Network net = new FineTuneJob(fs, false, true).withSharedData(shared).run(sc, new RunDirectory(dir)).network();
        JavaRDD<ConfidentLearning.Scored> part = ConfidentLearning.score(sc, net, data.validation(),
            data.assembler(s.run().evalBatchSize()));
        parts.add(part);
        scored = scored == null ? part : scored.union(part);
      }
      Map<String, Object> m = ConfidentLearning.find(scored, classes, inspect.maxListed());
      m.put("folds", k);
      return m;
    } finally {
      parts.forEach(JavaRDD::unpersist);
    }
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> learningCurve(JavaSparkContext sc, RunDirectory out, String cannotTrain) {
    List<Double> fractions = inspect.learningCurveFractions();
    if (fractions.isEmpty()) {
      return Map.of("skipped", "inspect.learning-curve.fractions = []");
    }
    if (cannotTrain != null) {
      return Map.of("skipped", cannotTrain);
    }
    List<Map<String, Object>> points = new ArrayList<>();
    String metric = s.data().regression() ? "r2" : "accuracy";
    for (double f : fractions) {
      String dir = out.uri().replaceAll("/+$", "") + String.format("/learning-curve/share-%03d", Math.round(f * 100));
      FineTuneSettings fs = quiet(s.with("data.train-fraction", f, "sparktune inspect")).withOutput(dir);
      log.info("Inspect, learning curve: fine-tuning on {}% of the training split -> {}", Math.round(f * 100), dir);
      Map<String, Object> metrics = new FineTuneJob(fs, false, true).run(sc, new RunDirectory(dir)).metrics();
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("share", f);
      p.put("train-examples", metrics.get("train-examples"));
      p.put(metric, ((Map<String, Object>) metrics.get("final")).get(metric));
      points.add(p);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("metric", "validation " + metric);
    m.put("points", points);
    m.putAll(io.sparktune.inspect.LearningCurve.verdict(points, metric, inspect.learningCurveMinGain()));
    return m;
  }
}
