package io.sparktune.job;

import io.sparktune.BadInputException;
import io.sparktune.checkpoint.CheckpointStore;
import io.sparktune.compute.FastKernels;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.data.DataPipeline;
import io.sparktune.data.PreparedData;
import io.sparktune.data.Record;
import io.sparktune.eval.DistributedEvaluator;
import io.sparktune.eval.LinearBaseline;
import io.sparktune.model.AdaptSpec;
import io.sparktune.model.ModelAdapter;
import io.sparktune.model.ModelFormat;
import io.sparktune.model.ModelLoader;
import io.sparktune.model.Network;
import io.sparktune.model.layers.Lora;
import io.sparktune.report.Dashboard;
import io.sparktune.train.FrozenFeatureCache;
import io.sparktune.report.HtmlReport;
import io.sparktune.spark.ClusterMemory;
import io.sparktune.spark.PeakMemory;
import io.sparktune.spark.SparkContexts;
import io.sparktune.technique.OldTask;
import io.sparktune.technique.TechniquePlan;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single fine-tune path: load and adapt the pre-trained model, read the data, train data-parallel
 * on the executors epoch by epoch with validation, checkpoints and early stopping, then write the model,
 * metrics and provenance. Sweeps, retraining and benchmarks call this, never a copy of it.
 */
public final class FineTuneJob {
  private static final Logger log = LoggerFactory.getLogger(FineTuneJob.class);
  /** The profile of the training data saved with every classifier, for drift checks. */
  public static final String DATA_PROFILE = "data-profile.json";

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
      return EpochLoop.primary((Map<String, Object>) metrics.get(key));
    }
  }

  private final FineTuneSettings s;
  private final boolean resume;
  private final boolean overwrite;
  private EpochGate gate;
  private SharedData shared;
  private org.nd4j.linalg.dataset.api.preprocessor.DataNormalization normalizer;

  public FineTuneJob(FineTuneSettings settings, boolean resume, boolean overwrite) {
    this.s = settings;
    this.resume = resume;
    this.overwrite = overwrite;
  }

  /** Asks {@code gate} after every epoch whether to train on (a sweep's early stopping). */
  public FineTuneJob withGate(EpochGate gate) {
    this.gate = gate;
    return this;
  }

  /** Takes the data from {@code shared} (read once for many runs), which then also releases it. */
  public FineTuneJob withSharedData(SharedData shared) {
    this.shared = shared;
    return this;
  }

  /**
   * Normalises with {@code normalizer} instead of fitting one on the training data (retraining keeps the
   * production model's, so its inputs mean what they meant when it was trained).
   */
  public FineTuneJob withNormalizer(org.nd4j.linalg.dataset.api.preprocessor.DataNormalization normalizer) {
    this.normalizer = normalizer;
    return this;
  }

  /**
   * Runs in its own Spark application. When that fails because an executor was lost or training stalled
   * (DL4J's gradient sharing does not recover from a lost executor within its application), and a
   * complete checkpoint exists, the run starts a fresh application and resumes from the checkpoint, up to
   * training.restarts times.
   */
  public Result run() {
    RunDirectory out = new RunDirectory(s.run().outputUri());
    boolean resuming = resume;
    for (int restart = 0; ; restart++) {
      FineTuneJob attempt = resuming == resume ? this : new FineTuneJob(s, true, false).withGate(gate)
          .withNormalizer(normalizer);
      try {
        return SparkContexts.with(s.spark(), sc -> attempt.run(sc, out));
      } catch (Exception e) { // also Spark's SparkException, checked but thrown undeclared from Scala
        boolean restartable = io.sparktune.train.HubStrategy.executorLost(e)
            || String.valueOf(rootMessage(e)).contains("made no progress");
        if (restart >= s.training().restarts() || !restartable
            || !new CheckpointStore(s.run().checkpointDir(), s.run().checkpointKeep()).hasCommitted()) {
          throw e;
        }
        log.warn("The run failed ({}); starting a fresh Spark application and resuming from the last complete "
            + "checkpoint, restart {} of {} (training.restarts).", rootMessage(e), restart + 1, s.training().restarts());
        resuming = true;
      }
    }
  }

  /**
   * Runs on an existing SparkContext (tests, sweeps). A run that fails leaves no output directory it
   * created itself unless it holds a complete checkpoint to resume from.
   */
  public Result run(JavaSparkContext sc, RunDirectory out) {
    io.sparktune.io.HadoopFiles.useConfiguration(sc.hadoopConfiguration());
    out.prepare(overwrite, resume);
    boolean existed = io.sparktune.io.HadoopFiles.exists(io.sparktune.io.HadoopFiles.path(out.uri()));
    CheckpointStore checkpoints = new CheckpointStore(s.run().checkpointDir(), s.run().checkpointKeep());
    try {
      return runIn(sc, out, checkpoints);
    } catch (Throwable e) { // also Spark's SparkException (thrown undeclared from Scala) and Errors (FSError)
      if (!existed) {
        out.discardUnfinished(checkpoints);
      }
      throw e;
    }
  }

  @SuppressWarnings("unchecked")
  private Result runIn(JavaSparkContext sc, RunDirectory out, CheckpointStore checkpoints) {
    Instant start = Instant.now();
    Optional<CheckpointStore.Loaded> restored = resume ? checkpoints.loadLatest() : Optional.empty();
    if (resume && restored.isEmpty()) {
      log.warn("--resume: no complete checkpoint in {}; starting from the pre-trained model.", s.run().checkpointDir());
    }

    Network base = ModelLoader.load(s.model().uri(), s.model().format(), s.model().weightsUri(), s.seed());
    io.sparktune.data.TextModel text = s.data().isText()
        ? io.sparktune.data.TextModel.resolve(sc, s.data(), s.model(), base, s.seed()) : null;
    if (text != null) {
      base = text.network();
    }
    io.sparktune.text.Vocabulary vocabulary = text == null ? null : text.vocabulary();
    PreparedData data = shared != null ? shared.get(sc, s, base, vocabulary)
        : DataPipeline.prepare(sc, s.data(), s.seed(), base, List.of(), normalizer, vocabulary);
    Network plainAdapted = ModelAdapter.adapt(base, spec(data, s.model().freezeUpTo()));
    OldTask oldTask = oldTask(sc, base, plainAdapted, data);
    TechniquePlan plan = TechniquePlan.of(s.techniques(), s.training(), plainAdapted, newLayers(base, plainAdapted),
        s.seed(), data, oldTask);
    io.sparktune.train.Precision.Applied precision = io.sparktune.train.Precision.apply(plan.adapt(plainAdapted),
        s.training().precision());
    Network adapted = precision.network();
    s.training().applyMemoryModes(adapted);
    checkInputFits(adapted, data);
    log.info("Model: {} parameters, {} trainable ({}), layers {}", adapted.numParams(), adapted.trainableParams(),
        s.model().uri(), adapted.layerNames());
    out.writeConfig(s);

    Map<String, Object> metrics = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    metrics.put("precision", precision.report());
    if (text != null) {
      metrics.put("text", text.report());
      out.writeVocabulary(text.vocabulary());
    }
    MetricsLog metricsLog = MetricsLog.open(out, restored.isPresent());
    String title = "sparktune fine-tune: " + s.model().uri() + " on " + s.data().trainDataText();
    try (Dashboard dashboard = s.monitoring().dashboard() ? Dashboard.start(sc, s.monitoring().dashboardHost(),
        s.monitoring().dashboardPort(), title, () -> liveData(title, metrics, metricsLog)) : null) {
      return train(sc, out, start, restored, base, data, adapted, plan, oldTask, checkpoints, metrics, metricsLog,
          title);
    } finally {
      plan.release();
      if (oldTask != null) {
        oldTask.release();
      }
    }
  }

  /** Training examples the saved data profile describes at most: enough for its histograms and embedding means. */
  static final int PROFILE_EXAMPLES = 10_000;

  /**
   * What drift is measured against later (sparktune retrain, drift): the training split as this model sees
   * it, or a seeded sample of {@link #PROFILE_EXAMPLES} of it (the profile runs the network over every example
   * it describes: on 60,000 images that took longer than a fifth of the training).
   */
  private io.sparktune.data.DataProfile dataProfile(JavaSparkContext sc, PreparedData data, Network net) {
    long t0 = System.nanoTime();
    long count = data.trainCount();
    var records = count > PROFILE_EXAMPLES
        ? data.train().sample(false, (double) PROFILE_EXAMPLES / count, s.seed()) : data.train();
    var profile = io.sparktune.data.DataProfiler.reference(sc, records, data.layout(), data.classes().size(), net,
        data.assembler(s.run().evalBatchSize()));
    log.info("Data profile for drift checks: {} training examples ({} s).", count > PROFILE_EXAMPLES
        ? "a sample of about " + PROFILE_EXAMPLES + " of " + count : count, Math.round((System.nanoTime() - t0) / 1e9));
    return profile;
  }

  /** The old task of continual learning, read when configured; its classes go through the kept head. */
  private OldTask oldTask(JavaSparkContext sc, Network base, Network adapted, PreparedData data) {
    var continual = s.techniques().continual();
    if (!continual.hasOldTask()) {
      return null;
    }
    if (data.regression() || !newLayers(base, adapted).isEmpty()) {
      throw new BadInputException("techniques.continual.old-data-uri is set, but the old task can only be scored "
          + "through the pre-trained output layer, which this run " + (data.regression() ? "does not have (regression)"
          : "replaces with a new head " + newLayers(base, adapted)) + ". Set model.adapt.replace-output = false "
          + "(the pre-trained head is kept when it has as many outputs as the data has classes).");
    }
    return OldTask.read(sc, continual, s.data(), s.seed(), adapted.numOutputs());
  }

  private static Map<String, Object> liveData(String title, Map<String, Object> metrics, MetricsLog log) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("title", title);
    d.put("status", "running");
    synchronized (metrics) {
      Map<String, Object> snapshot = new LinkedHashMap<>(metrics);
      snapshot.remove("history"); // the records carry the epochs while training
      d.put("metrics", snapshot);
    }
    d.put("records", log.records());
    return d;
  }

  @SuppressWarnings("unchecked")
  private Result train(JavaSparkContext sc, RunDirectory out, Instant start, Optional<CheckpointStore.Loaded> restored,
      Network base, PreparedData data, Network adapted, TechniquePlan unbound, OldTask oldTask,
      CheckpointStore checkpoints, Map<String, Object> metrics, MetricsLog metricsLog, String title) {
    boolean cacheable = s.model().cacheFrozenFeatures() && FrozenFeatureCache.applies(adapted);
    if (cacheable && !unbound.worksOnCachedFeatures()) {
      log.info("Frozen-feature caching is off: {} needs the whole network on the raw examples every epoch.",
          String.join(", ", unbound.names()));
      cacheable = false;
    }
    Map<String, Object> oldBefore = oldTask == null ? null : oldTask.evaluate(sc, adapted, data.assembler(s.run().evalBatchSize()));
    if (oldBefore != null) {
      log.info("Old task before fine-tuning: accuracy {} on {} held-out examples.", fmt(acc(oldBefore)),
          oldBefore.get("examples"));
    }
    FrozenFeatureCache.Cached cache = cacheable
        ? FrozenFeatureCache.build(sc, adapted, data, s.run().evalBatchSize(), s.model().featureCacheUri()) : null;
    PreparedData trainData = unbound.trainingData(cache != null ? cache.data() : data);
    Network from = cache != null ? cache.head() : adapted;
    TechniquePlan plan = unbound.bind(sc, from);
    if (!plan.names().isEmpty()) {
      log.info("Fine-tuning techniques: {}", String.join(", ", plan.names()));
      metrics.put("techniques", plan.names());
    }
    EpochLoop loop = new EpochLoop(s, sc, trainData, checkpoints,
        (epoch, l) -> checkpointState(epoch, metrics, l, trainData), true, s.training().strategy(), metricsLog,
        "fine-tune", plan);
    // evaluates full networks on the raw data (the loop itself sees cached features when caching)
    EpochLoop raw = cache == null ? loop : evaluationOnly(sc, data, s.training().strategy(), metricsLog);
    int firstEpoch = 1;
    if (cache != null) {
      metrics.put("feature-cache", Map.of("frozen-layers", cache.frozenLayers(), "feature-layout",
          cache.featureLayout().toString(), "seconds", cache.seconds(), "head-parameters", cache.head().numParams()));
    }
    if (restored.isPresent()) {
      CheckpointStore.Loaded cp = restored.get();
      if (cp.network().numParams() != from.numParams()) {
        throw new BadInputException("Checkpoint " + cp.dir() + " holds a network of " + cp.network().numParams()
            + " parameters but this run trains " + from.numParams() + " (model.adapt.cache-frozen-features or the "
            + "frozen layers changed since it was written); resume with the settings it was written with.");
      }
      from = cp.network();
      firstEpoch = cp.epoch() + 1;
      metrics.put("baseline", cp.manifest().get("baseline"));
      for (String key : List.of("head-only", "linear-baseline")) {
        if (cp.manifest().containsKey(key)) {
          metrics.put(key, cp.manifest().get(key));
        }
      }
      int bestAt = ((Number) cp.manifest().getOrDefault("best-epoch", 0)).intValue();
      loop.restore(historyOf(cp.manifest()),
          ((Number) cp.manifest().getOrDefault("best-accuracy", Double.NEGATIVE_INFINITY)).doubleValue(), bestAt,
          loop.keepsBest() && bestAt > 0 && bestAt < cp.epoch() ? checkpointOf(checkpoints, bestAt) : null);
      if (!data.fingerprint().equals(cp.manifest().get("data-fingerprint"))) {
        log.warn("The data changed since checkpoint {} was written (fingerprint differs).", cp.dir());
      }
      log.info("Resuming from checkpoint {} (epoch {}).", cp.dir(), cp.epoch());
    } else {
      metrics.put("baseline", raw.evaluate(adapted));
      metrics.put("model-untrained", untrained());
      metricsLog.append("evaluation", Map.of("name", "baseline", "metrics", metrics.get("baseline")));
      log.info("Baseline ({}, before fine-tuning): validation {} {}", untrained()
              ? "the new network built from its configuration, randomly initialised" : "adapted pre-trained model",
          EpochLoop.primaryName((Map<String, Object>) metrics.get("baseline")),
          fmt(acc(metrics.get("baseline"))));
      if (s.run().linearBaseline() && !data.regression()) {
        metrics.put("linear-baseline", LinearBaseline.fitAndEvaluate(sc, data, s.run().linearBaselineIterations(),
            s.run().linearBaselineRegularization(), Math.min(s.run().topK(), data.classes().size()),
            s.run().evalBatchSize()));
        metricsLog.append("evaluation", Map.of("name", "linear-baseline", "metrics", metrics.get("linear-baseline")));
      }
      if (s.run().headOnlyBaseline()) {
        metrics.put("head-only", headOnly(sc, base, data, metricsLog));
        metricsLog.append("evaluation", Map.of("name", "head-only", "metrics", metrics.get("head-only")));
      }
    }

    loop.setGate(gate);
    Network trained = loop.run(from, firstEpoch);
    Network full = cache != null ? FrozenFeatureCache.merge(adapted, trained, cache.frozenLayers()) : trained;
    // what is saved and evaluated: LoRA updates folded into plain dense layers
    Network net = Lora.hasLora(full) ? Lora.merge(full) : full;
    if (net != full) {
      out.writeModel(full, RunDirectory.LORA_MODEL, data.normalizer());
    }
    metrics.put("final", raw.evaluate(net));
    metricsLog.append("evaluation", Map.of("name", "final", "metrics", metrics.get("final")));
    if (oldTask != null) {
      metrics.put("old-task", forgetting(oldBefore, oldTask.evaluate(sc, net, data.assembler(s.run().evalBatchSize()))));
      metricsLog.append("evaluation", Map.of("name", "old-task", "metrics", metrics.get("old-task")));
    }
    if (s.run().worstExamples() > 0 && !data.regression()) {
      ErrorAnalysisWriter.write(out, DistributedEvaluator.analyseErrors(sc, net, data.validation(),
          data.assembler(s.run().evalBatchSize()), data.classes(), Math.min(s.run().topK(), data.classes().size()),
          s.run().worstExamples()), data.classes(), data.imageDims(), (Map<String, Object>) metrics.get("final"));
    }
    if (s.run().importance().enabled() && data.layout().sequence()) {
      log.info("Feature importance skipped: permuting token positions of texts says nothing about the features.");
    } else if (s.run().importance().enabled() && !data.regression()) {
      FeatureImportanceWriter.write(sc, out, net, data.validation(), data.assembler(s.run().evalBatchSize()),
          data.classes(), data.imageDims(), DataPipeline.source(s.data()).featureNames(s.data().trainUris().get(0)),
          s.run().importance(), s.seed());
    }
    metricsLog.flush();
    metrics.put("history", loop.history);
    metrics.put("best-epoch", loop.bestEpoch);
    metrics.put("saved-model", Map.of("epoch", loop.savedEpoch, "best-validated", loop.savedIsBest, "keep-model",
        s.training().keepBest() ? "best" : "last"));
    metrics.put("classes", data.classes());
    metrics.put("train-examples", data.trainCount());
    metrics.put("validation-examples", data.validationCount());
    metrics.put("training-seconds", loop.trainingSeconds);
    metrics.put("loop-seconds", loop.loopSeconds);
    metrics.put("examples-per-second", loop.trainingSeconds > 0 ? loop.examplesTrained / loop.trainingSeconds : null);
    if (cache == null && loop.trainingSeconds > 0) {
      // with cached features the loop trained only the head, so the full network's count would mislead
      var flops = io.sparktune.model.TrainingFlops.perExample(full,
          data.assembler(1).batches(data.validation().take(1).iterator()).next().getFeatures());
      metrics.put("training-flops-per-example", flops.training());
      metrics.put("achieved-gflops", flops.gflops(loop.examplesTrained / loop.trainingSeconds));
    }
    FastKernels.Report compute = FastKernels.report(full);
    log.info("Computed on {}", compute.line());
    metrics.put("compute", compute.toMap());
    metrics.put("trainable-parameters", full.trainableParams());
    metrics.put("parameters", net.numParams());
    metrics.put("peak-rss-bytes", PeakMemory.peakRssBytes());
    metrics.put("memory", memoryReport(sc, data, loop));

    if (!data.regression()) {
      out.writeJson(DATA_PROFILE, dataProfile(sc, data, net).toMap());
    }
    out.writeModel(net, data.normalizer(), modelInfo(data));
    out.writeJson("metrics.json", metrics);
    out.writeProvenance(Provenance.of(s, data.fingerprint(), start, Instant.now(), sc.master()));
    HtmlReport.write(out, title);
    out.markComplete();
    Summary.print(metrics, s, out.uri());
    if (shared == null) {
      data.train().unpersist();
      data.validation().unpersist();
    }
    if (cache != null) {
      cache.release();
    }
    return new Result(metrics, net, out.uri());
  }

  /**
   * The head-only baseline: the same training path with every layer but the new head frozen, for the
   * same epochs, so the report shows what fine-tuning the trunk adds over fitting a head. It always
   * trains with parameter averaging: DL4J's gradient sharing cannot start a second training master in
   * one application (on a standalone cluster the second one hangs), and the head-only result is a
   * reference, not the run being measured.
   */
  private Map<String, Object> headOnly(JavaSparkContext sc, Network base, PreparedData data, MetricsLog metricsLog) {
    String lastHidden = ModelAdapter.lastLayerBeforeHead(base, spec(data, ""));
    log.info("Head-only baseline: training only the new head (layers up to '{}' frozen), with parameter averaging.",
        lastHidden);
    Network adapted = ModelAdapter.adapt(base, spec(data, lastHidden));
    FrozenFeatureCache.Cached cache = s.model().cacheFrozenFeatures() && FrozenFeatureCache.applies(adapted)
        ? FrozenFeatureCache.build(sc, adapted, data, s.run().evalBatchSize(), "") : null;
    EpochLoop loop = new EpochLoop(s, sc, cache != null ? cache.data() : data, null, (epoch, l) -> Map.of(), false,
        "parameter-averaging", metricsLog, "head-only", TechniquePlan.scheduleOnly(s.training()));
    Network trained = loop.run(cache != null ? cache.head() : adapted, 1);
    Network full = cache != null ? FrozenFeatureCache.merge(adapted, trained, cache.frozenLayers()) : trained;
    Map<String, Object> m = cache == null ? loop.evaluate(full)
        : evaluationOnly(sc, data, "parameter-averaging", metricsLog).evaluate(full);
    if (cache != null) {
      cache.release();
    }
    m.put("history", loop.history);
    log.info("Head-only baseline: validation {} {}", EpochLoop.primaryName(m), fmt(acc(m)));
    return m;
  }

  /** The old task's accuracy before and after fine-tuning, and the difference (forgetting). */
  private static Map<String, Object> forgetting(Map<String, Object> before, Map<String, Object> after) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("accuracy-before", before.get("accuracy"));
    m.put("accuracy-after", after.get("accuracy"));
    m.put("forgetting", acc(before) - acc(after));
    m.put("macro-f1-before", before.get("macro-f1"));
    m.put("macro-f1-after", after.get("macro-f1"));
    m.put("held-out-examples", after.get("examples"));
    log.info("Old task after fine-tuning: accuracy {} (before {}): forgetting {} pp.", fmt(acc(after)),
        fmt(acc(before)), String.format("%.2f", 100 * (acc(before) - acc(after))));
    return m;
  }

  /** A loop used only to evaluate full networks on the raw data. */
  private EpochLoop evaluationOnly(JavaSparkContext sc, PreparedData data, String strategy, MetricsLog metricsLog) {
    return new EpochLoop(s, sc, data, null, (epoch, l) -> Map.of(), false, strategy, metricsLog, "raw",
        TechniquePlan.scheduleOnly(s.training()));
  }

  /** The network of epoch {@code epoch}'s checkpoint when it is still kept and loads; null otherwise. */
  private static Network checkpointOf(CheckpointStore checkpoints, int epoch) {
    for (org.apache.hadoop.fs.Path dir : checkpoints.candidates()) {
      try {
        CheckpointStore.Loaded cp = checkpoints.load(dir);
        if (cp.epoch() == epoch) {
          return cp.network();
        }
      } catch (java.io.IOException | RuntimeException e) {
        log.debug("checkpoint {} does not load: {}", dir, e.getMessage());
      }
    }
    return null;
  }

  /** Whether the model is a DL4J JSON configuration: a new, randomly initialised network, nothing pre-trained. */
  private boolean untrained() {
    boolean hasWeights = s.model().weightsUri() != null && !s.model().weightsUri().isBlank();
    return s.model().format().resolve(s.model().uri(), hasWeights) == ModelFormat.DL4J_JSON;
  }

  /** Layers of the adapted network that the pre-trained one does not have (the new head). */
  static java.util.Set<String> newLayers(Network base, Network adapted) {
    java.util.Set<String> added = new java.util.LinkedHashSet<>(adapted.layerNames());
    added.removeAll(base.layerNames());
    return added;
  }

  private AdaptSpec spec(PreparedData data, String freezeUpTo) {
    return new AdaptSpec(freezeUpTo, data.classes().size(), s.model().replaceOutput(), s.training().dl4jUpdater(),
        s.seed(), data.regression());
  }

  /** Fails early, with the shapes, when the model cannot take the data's examples. */
  static void checkInputFits(Network net, PreparedData data) {
    Record first = data.train().first();
    try {
      net.output(data.assembler(1).assemble(List.of(first)));
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
    info.put("task", data.regression() ? "regression" : "classification");
    info.put("classes", data.classes());
    if (data.regression()) {
      info.put("target-scale", Map.of("mean", data.targetScale().mean(), "std", data.targetScale().std()));
    }
    info.put("feature-layout", Map.of("channels", data.layout().channels(), "height", data.layout().height(),
        "width", data.layout().width(), "image", data.layout().image(), "channels-last", data.layout().channelsLast()));
    return info;
  }

  private Map<String, Object> checkpointState(int epoch, Map<String, Object> metrics, EpochLoop loop, PreparedData data) {
    List<Map<String, Object>> history = loop.history;
    Map<String, Object> st = new LinkedHashMap<>();
    st.put("step", (long) epoch * (long) Math.ceil(data.trainCount() / (double) s.training().batchSizePerWorker()));
    st.put("metrics", history.get(history.size() - 1));
    st.put("baseline", metrics.get("baseline"));
    for (String key : List.of("head-only", "linear-baseline")) {
      if (metrics.containsKey(key)) {
        st.put(key, metrics.get(key));
      }
    }
    st.put("history", history);
    st.put("best-accuracy", loop.best);
    st.put("best-epoch", loop.bestEpoch);
    st.put("data-fingerprint", data.fingerprint());
    st.put("config", io.sparktune.config.ConfigLoader.render(s.resolved()));
    st.put("versions", Map.of("sparktune", Provenance.version(), "dl4j", Provenance.dl4jVersion(),
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
    return EpochLoop.primary((Map<String, Object>) metrics);
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

  /**
   * Peak RSS of the driver and of every executor JVM (cluster mode), the executor memory configured, where
   * the cached data ended up (memory or disk) and what training spilled; logged and kept in metrics.json.
   */
  private static Map<String, Object> memoryReport(JavaSparkContext sc, PreparedData data, EpochLoop loop) {
    Map<String, Object> m = ClusterMemory.peaks(sc);
    Map<String, Long> cached = ClusterMemory.cached(sc, data.train(), data.validation());
    m.put("data-cache", cached);
    m.put("spilled-bytes", Map.of("memory", loop.spilledMemoryBytes, "disk", loop.spilledDiskBytes));
    log.info("Memory: {}; data cache at the end: {}; training spilled {} to disk.", ClusterMemory.describePeaks(m),
        ClusterMemory.describe(cached), ClusterMemory.mib(loop.spilledDiskBytes));
    return m;
  }
}
