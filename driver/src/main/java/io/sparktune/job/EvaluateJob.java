package io.sparktune.job;

import io.sparktune.config.FineTuneSettings;
import io.sparktune.data.BatchAssembler;
import io.sparktune.data.DataPipeline;
import io.sparktune.data.DataSource;
import io.sparktune.data.FeatureLayout;
import io.sparktune.data.Record;
import io.sparktune.eval.DistributedEvaluator;
import io.sparktune.eval.MetricsReport;
import io.sparktune.io.HadoopFiles;
import io.sparktune.io.Json;
import io.sparktune.model.ModelFormat;
import io.sparktune.model.ModelLoader;
import io.sparktune.model.Network;
import io.sparktune.spark.SparkContexts;
import java.io.InputStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates a model (a sparktune run directory, or any model file) on every example of a data set, as
 * a distributed job, and writes metrics.json, provenance.json and the resolved config.
 */
public final class EvaluateJob {
  private static final Logger log = LoggerFactory.getLogger(EvaluateJob.class);

  private final FineTuneSettings s;
  private final boolean overwrite;

  public EvaluateJob(FineTuneSettings settings, boolean overwrite) {
    this.s = settings;
    this.overwrite = overwrite;
  }

  public Map<String, Object> run() {
    JavaSparkContext sc = SparkContexts.start(s.spark());
    try {
      return run(sc);
    } finally {
      sc.stop();
    }
  }

  public Map<String, Object> run(JavaSparkContext sc) {
    Instant start = Instant.now();
    HadoopFiles.useConfiguration(sc.hadoopConfiguration());
    RunDirectory out = new RunDirectory(s.run().outputUri());
    out.prepare(overwrite, false);

    String modelUri = s.model().uri();
    Path asDir = HadoopFiles.child(modelUri, RunDirectory.MODEL);
    if (!modelUri.endsWith(".zip") && HadoopFiles.exists(asDir)) {
      modelUri = asDir.toString();
    }
    Network net = ModelLoader.load(modelUri, s.model().format(), s.model().weightsUri(), s.seed());
    Path modelPath = HadoopFiles.path(modelUri);
    Path infoPath = new Path(modelPath.getParent(), RunDirectory.MODEL_INFO);
    List<String> classes = List.of();
    if (HadoopFiles.exists(infoPath)) {
      classes = classesOf(Json.readMap(HadoopFiles.readString(infoPath, "model info")));
    }
    DataNormalization normalizer = storedNormalizer(modelPath, s.model().format().resolve(modelUri, false));
    if (normalizer == null && !s.data().normalization().needsStatistics()) {
      normalizer = s.data().normalization().build(null);
    }

    DataSource source = DataPipeline.source(s.data());
    if (classes.isEmpty()) {
      classes = !s.data().classes().isEmpty() ? s.data().classes()
          : source.discoverClasses(sc, s.data().trainUri(), s.data().trainLabelsUri());
    }
    JavaRDD<Record> records = source.read(sc, s.data().trainUri(), s.data().trainLabelsUri(), classes).cache();
    if (normalizer == null) {
      io.sparktune.data.FeatureStatistics stats = records.aggregate(new io.sparktune.data.FeatureStatistics(),
          io.sparktune.data.FeatureStatistics::add, io.sparktune.data.FeatureStatistics::merge);
      normalizer = s.data().normalization().build(stats);
    }
    Record first = records.first();
    int[] dims = source.imageDims(sc, s.data().trainUri());
    FeatureLayout layout = net.inputLayout(dims, first.features().length);
    if (net.numOutputs() != classes.size()) {
      throw new io.sparktune.BadInputException("The model has " + net.numOutputs() + " outputs but the data has "
          + classes.size() + " classes " + classes + "; evaluate a model trained for these classes.");
    }
    BatchAssembler assembler = new BatchAssembler(s.run().evalBatchSize(), classes.size(), layout, normalizer);
    int topK = Math.min(s.run().topK(), classes.size());
    io.sparktune.eval.ClassificationResult r = DistributedEvaluator.evaluate(sc, net, records, assembler, classes, topK);
    Evaluation e = r.evaluation();
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("model", modelUri);
    metrics.put("data", s.data().trainUri());
    metrics.put("classes", classes);
    metrics.put("evaluation", MetricsReport.toMap(r, classes, topK));
    out.writeConfig(s);
    out.writeJson("metrics.json", metrics);
    out.writeJson("provenance.json", Provenance.of(s, "", start, Instant.now(), sc.master()));
    out.markComplete();
    log.info("Evaluation of {} on {}: accuracy {} over {} examples; written to {}", modelUri, s.data().trainUri(),
        String.format("%.4f", e.accuracy()), e.getNumRowCounter(), out.uri());
    System.out.println(e.stats());
    records.unpersist();
    return metrics;
  }

  @SuppressWarnings("unchecked")
  private static List<String> classesOf(Map<String, Object> info) {
    Object c = info.get("classes");
    return c == null ? List.of() : (List<String>) c;
  }

  private static DataNormalization storedNormalizer(Path model, ModelFormat format) {
    if (format != ModelFormat.DL4J_ZIP) {
      return null;
    }
    try (InputStream in = HadoopFiles.open(model, "model file")) {
      return Network.restoreNormalizer(in);
    } catch (java.io.IOException ex) {
      log.debug("no normaliser stored in {}", model, ex);
      return null;
    }
  }
}
