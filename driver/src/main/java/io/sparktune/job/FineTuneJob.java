package io.sparktune.job;

import io.sparktune.BadInputException;
import io.sparktune.checkpoint.CheckpointStore;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.data.BatchAssembler;
import io.sparktune.data.DataPipeline;
import io.sparktune.data.PreparedData;
import io.sparktune.data.Record;
import io.sparktune.eval.DistributedEvaluator;
import io.sparktune.eval.MetricsReport;
import io.sparktune.model.AdaptSpec;
import io.sparktune.model.ModelAdapter;
import io.sparktune.model.ModelLoader;
import io.sparktune.model.Network;
import io.sparktune.spark.SparkContexts;
import io.sparktune.train.LearningCheck;
import io.sparktune.train.TrainingMonitor;
import io.sparktune.train.TrainingStrategies;
import io.sparktune.train.TrainingStrategy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.evaluation.classification.Evaluation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single fine-tune path: load and adapt the pre-trained model, read the data, train data-parallel
 * on the executors epoch by epoch with validation, checkpoints and early stopping, then write the model,
 * metrics and provenance. Sweeps, retraining and benchmarks call this, never a copy of it.
 */
public final class FineTuneJob {
  private static final Logger log = LoggerFactory.getLogger(FineTuneJob.class);

  /** The outcome of a run, as also written to metrics.json. */
  public record Result(Map<String, Object> metrics, Network network, String outputUri) {
    public double finalAccuracy() {
      return accuracyOf("final");
    }

    public double baselineAccuracy() {
      return accuracyOf("baseline");
    }

    @SuppressWarnings("unchecked")
    private double accuracyOf(String key) {
      return ((Number) ((Map<String, Object>) metrics.get(key)).get("accuracy")).doubleValue();
    }
  }

  private final FineTuneSettings s;
  private final boolean resume;
  private final boolean overwrite;

  public FineTuneJob(FineTuneSettings settings, boolean resume, boolean overwrite) {
    this.s = settings;
    this.resume = resume;
    this.overwrite = overwrite;
  }

  public Result run() {
    RunDirectory out = new RunDirectory(s.run().outputUri());
    JavaSparkContext sc = SparkContexts.start(s.spark());
    try {
      return run(sc, out);
    } finally {
      sc.stop();
    }
  }

  /** Runs on an existing SparkContext (tests, sweeps). */
  public Result run(JavaSparkContext sc, RunDirectory out) {
    Instant start = Instant.now();
    io.sparktune.io.HadoopFiles.useConfiguration(sc.hadoopConfiguration());
    out.prepare(overwrite, resume);
    CheckpointStore checkpoints = new CheckpointStore(s.run().checkpointDir(), s.run().checkpointKeep());
    Optional<CheckpointStore.Loaded> restored = resume ? checkpoints.loadLatest() : Optional.empty();
    if (resume && restored.isEmpty()) {
      log.warn("--resume: no complete checkpoint in {}; starting from the pre-trained model.", s.run().checkpointDir());
    }

    Network base = ModelLoader.load(s.model().uri(), s.model().format(), s.model().weightsUri(), s.seed());
    PreparedData data = DataPipeline.prepare(sc, s.data(), s.seed(), base, List.of(), null);
    Network adapted = ModelAdapter.adapt(base, new AdaptSpec(s.model().freezeUpTo(), data.classes().size(),
        s.model().replaceOutput(), s.training().dl4jUpdater(), s.seed()));
    checkInputFits(adapted, data);
    log.info("Model: {} parameters, {} trainable ({}), layers {}", adapted.numParams(), adapted.trainableParams(),
        s.model().uri(), adapted.layerNames());
    out.writeConfig(s);

    int topK = Math.min(s.run().topK(), data.classes().size());
    BatchAssembler evalAssembler = data.assembler(s.run().evalBatchSize());
    Map<String, Object> metrics = new LinkedHashMap<>();
    List<Map<String, Object>> history = new ArrayList<>();
    int firstEpoch = 1;
    Network net = adapted;
    double best = Double.NEGATIVE_INFINITY;
    int bestEpoch = 0;
    if (restored.isPresent()) {
      CheckpointStore.Loaded cp = restored.get();
      net = cp.network();
      firstEpoch = cp.epoch() + 1;
      metrics.put("baseline", cp.manifest().get("baseline"));
      history.addAll(historyOf(cp.manifest()));
      best = ((Number) cp.manifest().getOrDefault("best-accuracy", Double.NEGATIVE_INFINITY)).doubleValue();
      bestEpoch = ((Number) cp.manifest().getOrDefault("best-epoch", 0)).intValue();
      if (!data.fingerprint().equals(cp.manifest().get("data-fingerprint"))) {
        log.warn("The data changed since checkpoint {} was written (fingerprint differs).", cp.dir());
      }
      log.info("Resuming from checkpoint {} (epoch {}).", cp.dir(), cp.epoch());
    } else {
      metrics.put("baseline", evaluate(sc, adapted, data.validation(), evalAssembler, data, topK));
      log.info("Baseline (adapted pre-trained model, before fine-tuning): validation accuracy {}",
          fmt(acc(metrics.get("baseline"))));
    }

    int workers = SparkContexts.workers(sc, s.spark());
    int epochs = s.training().epochs();
    Network bestNet = null;
    int patience = s.training().patience();
    long trainStart = System.nanoTime();
    long examplesTrained = 0;
    LearningCheck learningCheck = s.training().learningCheckExamples() == 0 ? null : new LearningCheck(
        data.train().takeSample(false, s.training().learningCheckExamples(), s.seed()),
        data.assembler(s.run().evalBatchSize()), s.training().maxLossRatio());
    try (TrainingMonitor monitor = new TrainingMonitor(sc, s.training().progressInterval(), s.training().stallTimeout());
         TrainingStrategy strategy = TrainingStrategies.create(sc, net, s.training(), workers, s.seed())) {
      strategy.setListeners(List.of(monitor.executorListener()));
      log.info("Training: {} epochs, strategy {}, {} workers, batch size {} per worker", epochs, strategy.name(),
          workers, s.training().batchSizePerWorker());
      for (int epoch = firstEpoch; epoch <= epochs; epoch++) {
        long t0 = System.nanoTime();
        monitor.startEpoch(epoch, epochs, data.trainCount(), s.training().batchSizePerWorker());
        try {
          strategy.fitEpoch(data.trainingBatches(s.seed(), epoch, workers, s.training().batchSizePerWorker()));
        } catch (Exception e) {
          // Spark's exceptions are checked ones thrown from Scala: catch them all to explain a stall
          monitor.checkNotStalled();
          throw e;
        }
        monitor.checkNotStalled();
        double secs = (System.nanoTime() - t0) / 1e9;
        examplesTrained += data.trainCount();
        net = strategy.network();
        double trainLoss = monitor.meanLossSinceLastCall();
        if (learningCheck != null) {
          learningCheck.verify(net, trainLoss, strategy.name(), epoch);
        }
        Map<String, Object> val = evaluate(sc, net, data.validation(), evalAssembler, data, topK);
        double accuracy = acc(val);
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("epoch", epoch);
        h.put("train-loss", Double.isNaN(trainLoss) ? null : trainLoss);
        h.put("validation-accuracy", accuracy);
        h.put("validation-macro-f1", val.get("macro-f1"));
        h.put("seconds", secs);
        h.put("examples-per-second", data.trainCount() / secs);
        history.add(h);
        log.info(String.format("epoch %d/%d done | train loss %.4f | validation accuracy %.4f | %.1f s | %,.0f examples/s",
            epoch, epochs, trainLoss, accuracy, secs, data.trainCount() / secs));
        boolean improved = accuracy > best + s.training().minDelta();
        if (improved) {
          best = accuracy;
          bestEpoch = epoch;
          if (patience > 0) {
            bestNet = net.copy();
          }
        }
        boolean stop = patience > 0 && epoch - bestEpoch >= patience;
        boolean last = epoch == epochs || stop;
        int every = s.run().checkpointEvery();
        if (last || (every > 0 && epoch % every == 0)) {
          checkpoints.save(epoch, net, data.normalizer(), checkpointState(epoch, metrics, history, best, bestEpoch, data));
        }
        if (stop) {
          log.info("Early stopping after epoch {}: no improvement over {} for {} epochs.", epoch, fmt(best), patience);
          break;
        }
      }
    }
    if (bestNet != null) {
      log.info("Restoring the best model (epoch {}, validation accuracy {}).", bestEpoch, fmt(best));
      net = bestNet;
    }
    double trainSecs = (System.nanoTime() - trainStart) / 1e9;

    metrics.put("final", evaluate(sc, net, data.validation(), evalAssembler, data, topK));
    metrics.put("history", history);
    metrics.put("best-epoch", bestEpoch);
    metrics.put("classes", data.classes());
    metrics.put("train-examples", data.trainCount());
    metrics.put("validation-examples", data.validationCount());
    metrics.put("training-seconds", trainSecs);
    metrics.put("examples-per-second", trainSecs > 0 ? examplesTrained / trainSecs : null);
    metrics.put("trainable-parameters", net.trainableParams());
    metrics.put("parameters", net.numParams());
    metrics.put("peak-rss-bytes", PeakMemory.peakRssBytes());

    out.writeModel(net, data.normalizer(), modelInfo(data));
    out.writeJson("metrics.json", metrics);
    out.writeJson("provenance.json", Provenance.of(s, data.fingerprint(), start, Instant.now(), sc.master()));
    out.markComplete();
    Summary.print(metrics, s, out.uri());
    data.train().unpersist();
    data.validation().unpersist();
    return new Result(metrics, net, out.uri());
  }

  private Map<String, Object> evaluate(JavaSparkContext sc, Network net, org.apache.spark.api.java.JavaRDD<Record> rdd,
      BatchAssembler assembler, PreparedData data, int topK) {
    Evaluation e = DistributedEvaluator.evaluate(sc, net, rdd, assembler, data.classes(), topK);
    return MetricsReport.toMap(e, data.classes(), topK);
  }

  /** Fails early, with the shapes, when the model cannot take the data's examples. */
  static void checkInputFits(Network net, PreparedData data) {
    Record first = data.train().first();
    try {
      net.output(data.assembler(1).assemble(List.of(first)).getFeatures());
    } catch (BadInputException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new BadInputException("The model does not accept the data: each example is a " + data.layout()
          + " (shape " + data.layout().shapeText() + ") but the model's forward pass failed with: "
          + rootMessage(e), e);
    }
  }

  static Map<String, Object> modelInfo(PreparedData data) {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("classes", data.classes());
    info.put("feature-layout", Map.of("channels", data.layout().channels(), "height", data.layout().height(),
        "width", data.layout().width(), "image", data.layout().image(), "channels-last", data.layout().channelsLast()));
    return info;
  }

  private Map<String, Object> checkpointState(int epoch, Map<String, Object> metrics, List<Map<String, Object>> history,
      double best, int bestEpoch, PreparedData data) {
    Map<String, Object> st = new LinkedHashMap<>();
    st.put("step", (long) epoch * (long) Math.ceil(data.trainCount() / (double) s.training().batchSizePerWorker()));
    st.put("metrics", history.get(history.size() - 1));
    st.put("baseline", metrics.get("baseline"));
    st.put("history", history);
    st.put("best-accuracy", best);
    st.put("best-epoch", bestEpoch);
    st.put("data-fingerprint", data.fingerprint());
    st.put("config", io.sparktune.config.ConfigLoader.render(s.resolved()));
    st.put("versions", Map.of("sparktune", Provenance.version(), "dl4j", "1.0.0-M2",
        "spark", org.apache.spark.package$.MODULE$.SPARK_VERSION()));
    return st;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> historyOf(Map<String, Object> manifest) {
    Object h = manifest.get("history");
    return h == null ? List.of() : (List<Map<String, Object>>) h;
  }

  @SuppressWarnings("unchecked")
  static double acc(Object metrics) {
    return ((Number) ((Map<String, Object>) metrics).get("accuracy")).doubleValue();
  }

  static String fmt(double d) {
    return String.format("%.4f", d);
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
