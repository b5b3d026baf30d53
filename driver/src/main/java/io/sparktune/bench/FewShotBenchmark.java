package io.sparktune.bench;

import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.data.BatchAssembler;
import io.sparktune.data.DataPipeline;
import io.sparktune.data.PreparedData;
import io.sparktune.data.Record;
import io.sparktune.data.Splits;
import io.sparktune.eval.DistributedEvaluator;
import io.sparktune.model.AdaptSpec;
import io.sparktune.model.ModelAdapter;
import io.sparktune.model.ModelLoader;
import io.sparktune.model.Network;
import io.sparktune.spark.SparkContexts;
import io.sparktune.train.FrozenFeatureCache;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Few-shot learning on a frozen pre-trained trunk: the network up to its last hidden layer turns every
 * image into a feature vector once (a distributed pass, {@link FrozenFeatureCache}); then for k labelled
 * examples per class (a seeded, stratified sample) two classifiers are fitted and scored on every
 * validation example: the prototype classifier (each class is the mean of its k feature vectors, an
 * example goes to the prototype of highest cosine similarity; Snell et al. 2017) and a linear probe (the
 * new softmax head trained on the k-shot features alone, full batch, Adam).
 */
public final class FewShotBenchmark {
  private static final Logger log = LoggerFactory.getLogger(FewShotBenchmark.class);
  static final int PROBE_STEPS = 300;

  private final File config;
  private final List<String> sets;
  private final Path results;
  private final String name;
  private final List<Long> seeds;
  private final List<Integer> shots;

  public FewShotBenchmark(File config, List<String> sets, Path results, String name, List<Long> seeds,
      List<Integer> shots) {
    this.config = config;
    this.sets = sets;
    this.results = results;
    this.name = name;
    this.seeds = seeds;
    this.shots = shots;
  }

  public Map<String, Object> run() throws Exception {
    FineTuneSettings s = FineTuneSettings.fromConfig(ConfigLoader.load(config, sets));
    Map<String, Object> report = BenchmarkRunner.report(name, "bin/sparktune bench --experiment few-shot --config "
        + config.getPath() + " --name " + name + " --seeds " + join(seeds) + " --shots " + join(shots), sets,
        s.model().uri());
    report.put("runs", SparkContexts.with(s.spark(), sc -> measure(sc, s)));
    BenchmarkRunner.writeResults(results, name, report, markdown(report));
    return report;
  }

  private List<Map<String, Object>> measure(JavaSparkContext sc, FineTuneSettings s) {
    Network base = ModelLoader.load(s.model().uri(), s.model().format(), s.model().weightsUri(), s.seed());
    PreparedData data = DataPipeline.prepare(sc, s.data(), s.seed(), base, List.of(), null, null);
    int classes = data.classes().size();
    String lastHidden = ModelAdapter.lastLayerBeforeHead(base, spec(s, "", classes, s.seed()));
    FrozenFeatureCache.Cached cache = FrozenFeatureCache.build(sc,
        ModelAdapter.adapt(base, spec(s, lastHidden, classes, s.seed())), data, s.run().evalBatchSize(), "");
    try {
      List<Map<String, Object>> runs = new ArrayList<>();
      for (int k : shots) {
        for (long seed : seeds) {
          List<Record> sample = sample(cache.data().train(), k, seed);
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("k", k);
          r.put("seed", seed);
          r.put("examples", sample.size());
          r.put("prototype-accuracy", prototypeAccuracy(sc, sample, cache.data().validation(), classes));
          r.put("linear-probe-accuracy", probeAccuracy(sc, s, cache, sample));
          log.info("Few-shot k={} seed={}: prototypes {}, linear probe {}", k, seed, r.get("prototype-accuracy"),
              r.get("linear-probe-accuracy"));
          runs.add(r);
        }
      }
      return runs;
    } finally {
      cache.release();
    }
  }

  private static AdaptSpec spec(FineTuneSettings s, String freezeUpTo, int classes, long seed) {
    return new AdaptSpec(freezeUpTo, classes, true, new org.nd4j.linalg.learning.config.Adam(1e-2), seed);
  }

  /** k examples of every class, the ones with the smallest seeded hash of their origin. */
  static List<Record> sample(JavaRDD<Record> train, int k, long seed) {
    return train.mapToPair(r -> new Tuple2<>(r.label(), r))
        .groupByKey()
        .flatMap(g -> {
          List<Record> all = new ArrayList<>();
          g._2().forEach(all::add);
          all.sort(Comparator.comparingLong(r -> Splits.hash(seed, r.origin())));
          return all.subList(0, Math.min(k, all.size())).iterator();
        })
        .collect();
  }

  /** Accuracy of the nearest class mean (cosine similarity) on every validation example. */
  static double prototypeAccuracy(JavaSparkContext sc, List<Record> sample, JavaRDD<Record> validation, int classes) {
    int dim = sample.get(0).features().length;
    double[][] means = new double[classes][dim];
    int[] counts = new int[classes];
    for (Record r : sample) {
      counts[r.label()]++;
      for (int i = 0; i < dim; i++) {
        means[r.label()][i] += r.features()[i];
      }
    }
    for (int c = 0; c < classes; c++) {
      double norm = 0;
      for (int i = 0; i < dim; i++) {
        means[c][i] /= Math.max(1, counts[c]);
        norm += means[c][i] * means[c][i];
      }
      norm = Math.sqrt(norm);
      for (int i = 0; i < dim; i++) {
        means[c][i] /= norm == 0 ? 1 : norm;
      }
    }
    Broadcast<double[][]> prototypes = sc.broadcast(means);
    try {
      return validation.mapToDouble(r -> nearest(prototypes.value(), r.features()) == r.label() ? 1.0 : 0.0)
          .mean();
    } finally {
      prototypes.destroy();
    }
  }

  static int nearest(double[][] prototypes, float[] x) {
    int best = -1;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < prototypes.length; c++) {
      double dot = 0;
      for (int i = 0; i < x.length; i++) {
        dot += prototypes[c][i] * x[i];
      }
      if (dot > bestScore) {
        bestScore = dot;
        best = c;
      }
    }
    return best;
  }

  /** The new head trained on the k-shot features alone, scored on every validation example. */
  private static double probeAccuracy(JavaSparkContext sc, FineTuneSettings s, FrozenFeatureCache.Cached cache,
      List<Record> sample) {
    Network head = cache.head().copy();
    BatchAssembler assembler = cache.data().assembler(sample.size());
    DataSet all = assembler.assemble(sample);
    for (int i = 0; i < PROBE_STEPS; i++) {
      head.multiLayer().fit(all);
    }
    return DistributedEvaluator.evaluate(sc, head, cache.data().validation(), cache.data().assembler(
        s.run().evalBatchSize()), cache.data().classes(), 1).evaluation().accuracy();
  }

  private static String join(List<?> xs) {
    return String.join(",", xs.stream().map(String::valueOf).toList());
  }

  @SuppressWarnings("unchecked")
  static String markdown(Map<String, Object> report) {
    StringBuilder sb = new StringBuilder("# ").append(report.get("benchmark")).append("\n\n");
    sb.append("Model `").append(report.get("model")).append("`, frozen up to its last hidden layer. Command: `")
        .append(report.get("command")).append("`\n\n");
    sb.append("| k per class | prototypes (cosine), per seed | mean | linear probe, per seed | mean |\n|---|---|---|---|---|\n");
    Map<Integer, List<Map<String, Object>>> byK = new LinkedHashMap<>();
    for (Map<String, Object> r : (List<Map<String, Object>>) report.get("runs")) {
      byK.computeIfAbsent(((Number) r.get("k")).intValue(), x -> new ArrayList<>()).add(r);
    }
    byK.forEach((k, rs) -> sb.append(String.format("| %d | %s | %.4f | %s | %.4f |%n", k, values(rs, "prototype-accuracy"),
        mean(rs, "prototype-accuracy"), values(rs, "linear-probe-accuracy"), mean(rs, "linear-probe-accuracy"))));
    sb.append("\nMachine: ").append(report.get("machine")).append('\n');
    return sb.toString();
  }

  private static String values(List<Map<String, Object>> rs, String key) {
    return String.join(", ", rs.stream().map(r -> String.format("%.4f", ((Number) r.get(key)).doubleValue())).toList());
  }

  private static double mean(List<Map<String, Object>> rs, String key) {
    return rs.stream().mapToDouble(r -> ((Number) r.get(key)).doubleValue()).average().orElse(Double.NaN);
  }
}
