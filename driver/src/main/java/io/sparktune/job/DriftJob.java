package io.sparktune.job;

import io.sparktune.BadInputException;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.data.DataPipeline;
import io.sparktune.data.DataProfile;
import io.sparktune.data.DataProfiler;
import io.sparktune.data.DriftReport;
import io.sparktune.eval.EvaluationData;
import io.sparktune.eval.EvaluationModel;
import io.sparktune.io.HadoopFiles;
import io.sparktune.io.Json;
import io.sparktune.spark.SparkContexts;
import java.time.Instant;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far data has drifted from what a model was trained on: the data is profiled with the model (its
 * normaliser and embedding) on the edges of the model's stored data-profile.json and compared with it
 * ({@link DriftReport}). Writes drift.json; retraining measures the same before it trains.
 */
public final class DriftJob {
  private static final Logger log = LoggerFactory.getLogger(DriftJob.class);

  private final FineTuneSettings s;
  private final boolean overwrite;

  public DriftJob(FineTuneSettings settings, boolean overwrite) {
    this.s = settings;
    this.overwrite = overwrite;
  }

  public DriftReport run() {
    return SparkContexts.with(s.spark(), this::run);
  }

  public DriftReport run(JavaSparkContext sc) {
    Instant start = Instant.now();
    HadoopFiles.useConfiguration(sc.hadoopConfiguration());
    RunDirectory out = new RunDirectory(s.run().outputUri());
    out.prepare(overwrite, false);
    EvaluationModel model = EvaluationModel.load(s.model().uri(), s.model(), s.data().text().vocabularyUri(), s.seed());
    Path profile = profileOf(model);
    if (!HadoopFiles.exists(profile)) {
      throw new BadInputException("The model " + model.uri() + " has no " + FineTuneJob.DATA_PROFILE + " beside it, "
          + "so there is nothing to measure drift against: it was not trained by this version of sparktune, or it "
          + "is a regression model. Fine-tune it again (or register a run that has one).");
    }
    EvaluationData data = EvaluationData.read(sc, s.data(), model.classes(), model.vocabulary());
    try {
      DriftReport d = measure(sc, profile, model, data, s);
      out.writeConfig(s);
      out.writeJson("drift.json", d.details());
      out.writeProvenance(Provenance.of(s, "", start, Instant.now(), sc.master()));
      out.markComplete();
      System.out.println(String.format("DRIFT of %s from what %s was trained on: largest feature PSI %.4f, class "
          + "prior PSI %.4f, embedding shift %.4f, unknown-token share %+.4f (drift.json in %s)", data.uri(),
          model.uri(), d.maxFeaturePsi(), d.classPsi(), d.embeddingShift(), d.unknownTokenIncrease(), out.uri()));
      return d;
    } finally {
      data.release();
    }
  }

  /** The data profile saved beside a model file (or in a run or version directory). */
  public static Path profileOf(EvaluationModel model) {
    return new Path(HadoopFiles.path(model.uri()).getParent(), FineTuneJob.DATA_PROFILE);
  }

  /** Profiles {@code data} with {@code model} and compares it with the profile at {@code profile}. */
  public static DriftReport measure(JavaSparkContext sc, Path profile, EvaluationModel model, EvaluationData data,
      FineTuneSettings s) {
    Map<String, Object> stored = Json.readMap(HadoopFiles.readString(profile, "data profile"));
    DataProfile reference = DataProfile.fromMap(stored);
    DataProfile now = DataProfiler.like(sc, reference, data.records(), model.net(),
        model.assembler(data, s.data(), s.run().evalBatchSize(), data::statistics));
    DriftReport d = DriftReport.compare(reference, now,
        DataPipeline.source(s.data(), model.vocabulary()).featureNames(s.data().trainUris().get(0)), data.classes());
    log.info("Drift from {}: max feature PSI {}, class prior PSI {}, embedding shift {}, unknown-token share {}",
        profile, String.format("%.4f", d.maxFeaturePsi()), String.format("%.4f", d.classPsi()),
        String.format("%.4f", d.embeddingShift()), String.format("%+.4f", d.unknownTokenIncrease()));
    return d;
  }
}
