package io.sparktune.job;

import io.sparktune.config.FineTuneSettings;
import io.sparktune.data.BatchAssembler;
import io.sparktune.eval.ClassificationResult;
import io.sparktune.eval.DistributedEvaluator;
import io.sparktune.eval.EvaluationData;
import io.sparktune.eval.EvaluationModel;
import io.sparktune.eval.MetricsReport;
import io.sparktune.eval.RegressionResult;
import io.sparktune.io.HadoopFiles;
import io.sparktune.spark.SparkContexts;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.evaluation.classification.Evaluation;
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
    return SparkContexts.with(s.spark(), sc -> run(sc));
  }

  @SuppressWarnings("unchecked")
  public Map<String, Object> run(JavaSparkContext sc) {
    Instant start = Instant.now();
    HadoopFiles.useConfiguration(sc.hadoopConfiguration());
    RunDirectory out = new RunDirectory(s.run().outputUri());
    out.prepare(overwrite, false);

    EvaluationModel model = EvaluationModel.load(s.model().uri(), s.model(), s.data().text().vocabularyUri(), s.seed());
    EvaluationData data = EvaluationData.read(sc, s.data(), model.classes(), model.vocabulary());
    BatchAssembler assembler = model.assembler(data, s.data(), s.run().evalBatchSize(), data::statistics);
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("model", model.uri());
    metrics.put("data", data.uri());
    metrics.put("task", s.data().task());
    String summary;
    if (s.data().regression()) {
      RegressionResult r = DistributedEvaluator.evaluateRegression(sc, model.net(), data.records(), assembler);
      metrics.put("evaluation", r.toMap());
      summary = String.format("R2 %.4f, RMSE %.4g, MAE %.4g over %d examples", r.r2(), Math.sqrt(r.mse()), r.mae(),
          r.examples());
    } else {
      int topK = Math.min(s.run().topK(), data.classes().size());
      ClassificationResult r = DistributedEvaluator.evaluate(sc, model.net(), data.records(), assembler,
          data.classes(), topK);
      metrics.put("classes", data.classes());
      metrics.put("evaluation", MetricsReport.toMap(r, data.classes(), topK));
      if (s.run().worstExamples() > 0) {
        ErrorAnalysisWriter.write(out, DistributedEvaluator.analyseErrors(sc, model.net(), data.records(), assembler,
            data.classes(), topK, s.run().worstExamples()), data.classes(), data.imageDims(),
            (Map<String, Object>) metrics.get("evaluation"));
      }
      if (s.run().importance().enabled()) {
        FeatureImportanceWriter.write(sc, out, model.net(), data.records(), assembler, data.classes(), data.imageDims(),
            io.sparktune.data.DataPipeline.source(s.data()).featureNames(data.uri()), s.run().importance(), s.seed());
      }
      Evaluation e = r.evaluation();
      summary = String.format("accuracy %.4f over %d examples", e.accuracy(), e.getNumRowCounter());
      System.out.println(e.stats());
    }
    out.writeConfig(s);
    out.writeJson("metrics.json", metrics);
    out.writeProvenance(Provenance.of(s, "", start, Instant.now(), sc.master()));
    io.sparktune.report.HtmlReport.write(out, "sparktune evaluation: " + model.uri() + " on " + data.uri());
    out.markComplete();
    log.info("Evaluation of {} on {}: {}; written to {}", model.uri(), data.uri(), summary, out.uri());
    data.release();
    return metrics;
  }
}
