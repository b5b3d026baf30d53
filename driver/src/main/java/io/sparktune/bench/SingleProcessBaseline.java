package io.sparktune.bench;

import io.sparktune.compute.FastKernels;
import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.data.BatchAssembler;
import io.sparktune.data.FeatureLayout;
import io.sparktune.data.IdxFiles;
import io.sparktune.data.Record;
import io.sparktune.data.Splits;
import io.sparktune.eval.ClassificationEvaluator;
import io.sparktune.io.HadoopFiles;
import io.sparktune.io.Json;
import io.sparktune.spark.ComputeBackend;
import io.sparktune.spark.PeakMemory;
import io.sparktune.model.AdaptSpec;
import io.sparktune.model.ModelAdapter;
import io.sparktune.model.ModelLoader;
import io.sparktune.model.Network;
import java.io.File;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;

/**
 * The benchmark's reference: the same fine-tune (same model, adaptation, data, normalisation, seed and
 * epochs) as plain single-process DL4J, {@code fit} on one minibatch after another, no Spark.
 *
 * <p>Usage: {@code SingleProcessBaseline CONFIG BATCH_SIZE OUTPUT_JSON [key=value ...]}. Only IDX data
 * with a separate validation set is supported, which is what the benchmark uses.
 */
public final class SingleProcessBaseline {
  private SingleProcessBaseline() {}

  public static void main(String[] args) throws Exception {
    List<String> sets = List.of(args).subList(3, args.length);
    FineTuneSettings s = FineTuneSettings.fromConfig(ConfigLoader.load(new File(args[0]), sets));
    int batch = Integer.parseInt(args[1]);
    Map<String, Object> result = run(s, batch);
    Json.writeFile(HadoopFiles.path(args[2]), result);
  }

  public static List<Record> read(String images, String labels, int classes) throws Exception {
    try (InputStream i = HadoopFiles.open(HadoopFiles.path(images), "images");
         InputStream l = HadoopFiles.open(HadoopFiles.path(labels), "labels")) {
      return IdxFiles.records(IdxFiles.read(i, images), IdxFiles.read(l, labels), new File(images).getName(), classes);
    }
  }

  static Map<String, Object> run(FineTuneSettings s, int batch) throws Exception {
    ComputeBackend.require("single process"); // the same fast kernels as sparktune's driver and executors
    List<String> classes = s.data().classes();
    List<Record> train = read(s.data().trainUri(), s.data().trainLabelsUri(), classes.size());
    if (s.data().maxTrainExamples() > 0 && train.size() > s.data().maxTrainExamples()) {
      train = new ArrayList<>(train.subList(0, s.data().maxTrainExamples()));
    }
    List<Record> validation = read(s.data().validationUri(), s.data().validationLabelsUri(), classes.size());
    Network base = ModelLoader.load(s.model().uri(), s.model().format(), s.model().weightsUri(), s.seed());
    Network net = ModelAdapter.adapt(base, new AdaptSpec(s.model().freezeUpTo(), classes.size(),
        s.model().replaceOutput(), s.training().dl4jUpdater(), s.seed()));
    FeatureLayout layout = net.inputLayout(new int[] {1, 28, 28}, 784);
    DataNormalization norm = s.data().normalization().build(null);
    BatchAssembler trainBatches = new BatchAssembler(batch, classes.size(), layout, norm);
    BatchAssembler evalBatches = new BatchAssembler(s.run().evalBatchSize(), classes.size(), layout, norm);

    List<Map<String, Object>> history = new ArrayList<>();
    double trainSeconds = 0;
    for (int epoch = 1; epoch <= s.training().epochs(); epoch++) {
      long epochSeed = Splits.mix(s.seed() + 0x9E3779B97F4A7C15L * (epoch + 1));
      List<Record> order = new ArrayList<>(train);
      order.sort(Comparator.comparingLong(r -> Splits.hash(epochSeed, r.origin())));
      long t0 = System.nanoTime();
      for (var it = trainBatches.batches(order.iterator()); it.hasNext(); ) {
        net.fit(it.next());
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      trainSeconds += secs;
      Evaluation e = ClassificationEvaluator.evaluate(net, evalBatches.batches(validation.iterator()), classes, 1)
          .evaluation();
      Map<String, Object> h = new LinkedHashMap<>();
      h.put("epoch", epoch);
      h.put("validation-accuracy", e.accuracy());
      h.put("seconds", secs);
      h.put("examples-per-second", train.size() / secs);
      history.add(h);
      System.err.printf("single-process epoch %d: %.1f s, %.0f examples/s, validation accuracy %.4f%n",
          epoch, secs, train.size() / secs, e.accuracy());
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("history", history);
    out.put("train-examples", train.size());
    out.put("training-seconds", trainSeconds);
    double examplesPerSecond = train.size() * (double) s.training().epochs() / trainSeconds;
    out.put("examples-per-second", examplesPerSecond);
    out.put("peak-rss-bytes", PeakMemory.peakRssBytes());
    var flops = io.sparktune.model.TrainingFlops.perExample(net,
        evalBatches.batches(validation.subList(0, 1).iterator()).next().getFeatures());
    out.put("training-flops-per-example", flops.training());
    out.put("achieved-gflops", flops.gflops(examplesPerSecond));
    out.put("compute", FastKernels.report(net).toMap());
    return out;
  }
}
