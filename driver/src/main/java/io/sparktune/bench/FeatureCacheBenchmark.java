package io.sparktune.bench;

import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.data.BatchAssembler;
import io.sparktune.data.FeatureLayout;
import io.sparktune.data.Record;
import io.sparktune.model.AdaptSpec;
import io.sparktune.model.ModelAdapter;
import io.sparktune.model.ModelLoader;
import io.sparktune.model.Network;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.transferlearning.TransferLearningHelper;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The frozen-feature caching experiment: the same fine-tune with a frozen trunk, (1) with sparktune's
 * cache, (2) the same with the head trained on the driver (single-node strategy), (3) without the cache
 * (DL4J TransferLearning frozen layers: the trunk runs forward every epoch), each in its own JVM, and
 * (4) DL4J's own TransferLearningHelper in one process (featurize once, fitFeaturized per epoch). Writes
 * epoch times, the one-time feature pass and accuracy.
 */
public final class FeatureCacheBenchmark {
  private static final Logger log = LoggerFactory.getLogger(FeatureCacheBenchmark.class);

  private final File config;
  private final List<String> sets;
  private final Path results;
  private final String name;

  public FeatureCacheBenchmark(File config, List<String> sets, Path results, String name) {
    this.config = config;
    this.sets = sets;
    this.results = results;
    this.name = name;
  }

  public Map<String, Object> run() throws Exception {
    FineTuneSettings s = FineTuneSettings.fromConfig(ConfigLoader.load(config, sets));
    BenchmarkRunner.requireFile(s.data().trainUri());
    Path work = Files.createTempDirectory("sparktune-cache-bench-");
    List<Map<String, Object>> runs = new ArrayList<>();
    Map<String, List<String>> variants = new LinkedHashMap<>();
    variants.put("sparktune-cached", List.of("model.adapt.cache-frozen-features=true"));
    variants.put("sparktune-cached-single-node", List.of("model.adapt.cache-frozen-features=true",
        "training.strategy=single-node"));
    variants.put("sparktune-frozen-uncached", List.of("model.adapt.cache-frozen-features=false"));
    for (Map.Entry<String, List<String>> v : variants.entrySet()) {
      List<String> all = new ArrayList<>(sets);
      all.addAll(v.getValue());
      runs.add(sparktuneRun(v.getKey(), ChildRun.fineTune(v.getKey(), config, all, work)));
    }
    runs.add(helperRun(s));
    double uncached = epochSeconds(runs.get(2));
    for (Map<String, Object> r : runs) {
      Object e = r.get("mean-epoch-seconds");
      r.put("epoch-speedup-vs-uncached", e instanceof Number n ? uncached / n.doubleValue() : null);
    }
    Map<String, Object> report = BenchmarkRunner.report(name, "bin/sparktune bench --experiment frozen-feature-cache "
        + "--config " + config.getPath() + " --name " + name, sets, s.model().uri());
    report.put("frozen-up-to", s.model().freezeUpTo());
    report.put("epochs", s.training().epochs());
    report.put("runs", runs);
    BenchmarkRunner.writeResults(results, name, report, markdown(report));
    return report;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> sparktuneRun(String variant, Map<String, Object> metrics) {
    List<Map<String, Object>> history = (List<Map<String, Object>>) metrics.get("history");
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("variant", variant);
    Map<String, Object> cache = (Map<String, Object>) metrics.get("feature-cache");
    r.put("feature-pass-seconds", cache == null ? null : cache.get("seconds"));
    r.put("epoch-seconds", history.stream().map(h -> h.get("seconds")).toList());
    r.put("mean-epoch-seconds", history.stream().mapToDouble(h -> ((Number) h.get("seconds")).doubleValue())
        .average().orElse(Double.NaN));
    r.put("train-examples", metrics.get("train-examples"));
    r.put("final-accuracy", ((Map<String, Object>) metrics.get("final")).get("accuracy"));
    r.put("peak-rss-bytes", metrics.get("peak-rss-bytes"));
    return r;
  }

  /** DL4J's TransferLearningHelper, single process: featurize once, then fitFeaturized per epoch. */
  private static Map<String, Object> helperRun(FineTuneSettings s) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("variant", "dl4j-transfer-learning-helper");
    try {
      List<String> classes = s.data().classes();
      List<Record> train = SingleProcessBaseline.read(s.data().trainUri(), s.data().trainLabelsUri(), classes.size());
      if (s.data().maxTrainExamples() > 0 && train.size() > s.data().maxTrainExamples()) {
        train = new ArrayList<>(train.subList(0, s.data().maxTrainExamples()));
      }
      List<Record> validation = SingleProcessBaseline.read(s.data().validationUri(), s.data().validationLabelsUri(),
          classes.size());
      Network net = ModelAdapter.adapt(ModelLoader.load(s.model().uri(), s.model().format(), s.model().weightsUri(),
          s.seed()), new AdaptSpec(s.model().freezeUpTo(), classes.size(), s.model().replaceOutput(),
          s.training().dl4jUpdater(), s.seed()));
      FeatureLayout layout = net.inputLayout(new int[] {1, 28, 28}, 784);
      DataNormalization norm = s.data().normalization().build(null);
      BatchAssembler batches = new BatchAssembler(s.training().batchSizePerWorker() * 2, classes.size(), layout, norm);
      TransferLearningHelper helper = new TransferLearningHelper(net.multiLayer());
      long t0 = System.nanoTime();
      List<DataSet> features = new ArrayList<>();
      for (var it = batches.batches(train.iterator()); it.hasNext(); ) {
        features.add(helper.featurize(it.next()));
      }
      List<DataSet> validationFeatures = new ArrayList<>();
      for (var it = batches.batches(validation.iterator()); it.hasNext(); ) {
        validationFeatures.add(helper.featurize(it.next()));
      }
      r.put("feature-pass-seconds", (System.nanoTime() - t0) / 1e9);
      List<Double> epochs = new ArrayList<>();
      for (int epoch = 1; epoch <= s.training().epochs(); epoch++) {
        long e0 = System.nanoTime();
        for (DataSet ds : features) {
          helper.fitFeaturized(ds);
        }
        epochs.add((System.nanoTime() - e0) / 1e9);
      }
      Evaluation e = new Evaluation(classes.size());
      for (DataSet ds : validationFeatures) {
        e.eval(ds.getLabels(), helper.outputFromFeaturized(ds.getFeatures()));
      }
      r.put("epoch-seconds", epochs);
      r.put("mean-epoch-seconds", epochs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN));
      r.put("train-examples", train.size());
      r.put("final-accuracy", e.accuracy());
    } catch (Exception | Error e) {
      log.warn("DL4J's TransferLearningHelper failed on this network: {}", e.toString());
      r.put("error", e.toString().lines().findFirst().orElse(e.toString()));
    }
    return r;
  }

  private static double epochSeconds(Map<String, Object> run) {
    return ((Number) run.get("mean-epoch-seconds")).doubleValue();
  }

  @SuppressWarnings("unchecked")
  static String markdown(Map<String, Object> report) {
    StringBuilder sb = new StringBuilder();
    sb.append("# ").append(report.get("benchmark")).append("\n\n");
    sb.append("Model `").append(report.get("model")).append("`, frozen up to `").append(report.get("frozen-up-to"))
        .append("`, ").append(report.get("epochs")).append(" epochs. Command: `").append(report.get("command"))
        .append("`\n\n");
    sb.append("| variant | one-time feature pass (s) | mean training epoch (s) | epoch speed-up vs uncached | final accuracy |\n");
    sb.append("|---|---|---|---|---|\n");
    for (Map<String, Object> r : (List<Map<String, Object>>) report.get("runs")) {
      if (r.containsKey("error")) {
        sb.append("| ").append(r.get("variant")).append(" | failed: ").append(r.get("error")).append(" | | | |\n");
        continue;
      }
      sb.append(String.format("| %s | %s | %.2f | %.1f× | %.4f |%n", r.get("variant"),
          r.get("feature-pass-seconds") == null ? "–" : String.format("%.1f", ((Number) r.get("feature-pass-seconds")).doubleValue()),
          ((Number) r.get("mean-epoch-seconds")).doubleValue(), ((Number) r.get("epoch-speedup-vs-uncached")).doubleValue(),
          ((Number) r.get("final-accuracy")).doubleValue()));
    }
    sb.append("\nMachine: ").append(report.get("machine")).append('\n');
    return sb.toString();
  }
}
