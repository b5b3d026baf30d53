package io.sparktune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.model.ModelFormat;
import io.sparktune.model.ModelLoader;
import io.sparktune.model.Network;
import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Each epoch's training examples drawn and changed on the executors (real Fashion-MNIST, local[2]):
 * augmentation and class re-sampling give the same examples whatever the number of workers, change from
 * epoch to epoch, and re-sampling balances the classes.
 */
class EpochSamplingIT {
  static final String MLP = "src-test-data/models/keras-mnist-mlp/mnist_mlp_tf_keras_2_";

  @Test
  void augmentedEpochsAreReproducibleAndIndependentOfPartitioning() {
    FineTuneSettings s = FineTuneSettings.fromConfig(ConfigLoader.load(new File("conf/examples/quickstart.conf"),
        List.of("data.max-train-examples=300")));
    try (JavaSparkContext sc = new JavaSparkContext(conf())) {
      PreparedData data = prepare(sc, s);
      ImageAugmentation aug = new ImageAugmentation(1, 28, 28, 2, 10, true, 6, 3);
      List<String> oneWorker = rows(data.trainingBatches(7, 1, 1, 32, new EpochSampling(null, aug, null)).collect());
      List<String> twoWorkers = rows(data.trainingBatches(7, 1, 2, 32, new EpochSampling(null, aug, null)).collect());
      assertEquals(oneWorker, twoWorkers, "the same augmented examples with 1 or 2 workers");
      assertEquals(data.trainCount(), oneWorker.size());
      assertNotEquals(oneWorker, rows(data.trainingBatches(7, 2, 2, 32, new EpochSampling(null, aug, null)).collect()), "epoch 2 differs");
      assertNotEquals(oneWorker, rows(data.trainingBatches(7, 1, 2, 32).collect()), "raw data differs");
    }
  }

  static SparkConf conf() {
    return new SparkConf().setMaster("local[2]").setAppName("epoch-sampling-it")
        .set("spark.driver.host", "127.0.0.1").set("spark.ui.enabled", "false");
  }

  static PreparedData prepare(JavaSparkContext sc, FineTuneSettings s) {
    Network base = ModelLoader.load(MLP + "config.json", ModelFormat.AUTO, MLP + "weights.h5", 1);
    return DataPipeline.prepare(sc, s.data(), s.seed(), base, List.of(), null, null);
  }

  /**
   * Over-sampling on an imbalanced cut (class 0 keeps all its examples, the others a few): every class
   * ends up with about as many examples as the largest, copies of one example are augmented differently,
   * and under-sampling brings every class down to the smallest.
   */
  @Test
  void resamplingBalancesTheClassesEveryEpoch() {
    FineTuneSettings s = FineTuneSettings.fromConfig(ConfigLoader.load(new File("conf/examples/quickstart.conf"),
        List.of("data.max-train-examples=600")));
    try (JavaSparkContext sc = new JavaSparkContext(conf())) {
      PreparedData all = prepare(sc, s);
      // class 0 whole, class c > 0 only examples whose index is a multiple of (c + 1)
      org.apache.spark.api.java.JavaRDD<Record> cut = all.train().filter(r ->
          r.label() == 0 || Integer.parseInt(r.origin().substring(r.origin().lastIndexOf('#') + 1)) % (r.label() + 1) == 0)
          .cache();
      PreparedData data = new PreparedData(cut, all.validation(), cut.count(), all.validationCount(), all.classes(),
          all.layout(), all.imageDims(), all.normalizer(), all.targetScale(), all.fingerprint());
      long[] counts = new long[10];
      cut.map(Record::label).countByValue().forEach((c, n) -> counts[c] = n);
      ClassResampling over = ClassResampling.of("oversample", counts);
      long max = Arrays.stream(counts).max().getAsLong();
      long[] drawn = classCounts(data.trainingBatches(7, 1, 2, 32, new EpochSampling(over, null, null)).collect());
      for (int c = 0; c < 10; c++) {
        double rate = (double) max / counts[c];
        assertTrue(drawn[c] >= Math.floor(rate) * counts[c] && drawn[c] <= Math.ceil(rate) * counts[c],
            "class " + c + ": " + drawn[c] + " drawn from " + counts[c] + " at rate " + rate);
        assertTrue(Math.abs(drawn[c] - max) < 0.35 * max, "class " + c + " is about as large as the largest: " + drawn[c]);
      }
      assertEquals(counts[0], drawn[0], "the largest class is used once");
      assertEquals(java.util.stream.LongStream.of(drawn).sum(),
          rows(data.trainingBatches(7, 1, 1, 32, new EpochSampling(over, null, null)).collect()).size());
      assertEquals(rows(data.trainingBatches(7, 1, 1, 32, new EpochSampling(over, null, null)).collect()),
          rows(data.trainingBatches(7, 1, 2, 32, new EpochSampling(over, null, null)).collect()), "1 or 2 workers");
      assertNotEquals(rows(data.trainingBatches(7, 1, 2, 32, new EpochSampling(over, null, null)).collect()),
          rows(data.trainingBatches(7, 2, 2, 32, new EpochSampling(over, null, null)).collect()), "epoch 2 draws anew");

      ImageAugmentation aug = new ImageAugmentation(1, 28, 28, 2, 10, false, 0, 0);
      List<String> augmented = rows(data.trainingBatches(7, 1, 2, 32, new EpochSampling(over, aug, null)).collect());
      assertEquals(augmented.size(), new java.util.HashSet<>(augmented).size(), "every copy is augmented on its own");

      long min = Arrays.stream(counts).min().getAsLong();
      long[] under = classCounts(data.trainingBatches(7, 1, 2, 32,
          new EpochSampling(ClassResampling.of("undersample", counts), null, null)).collect());
      for (int c = 0; c < 10; c++) {
        assertTrue(under[c] <= counts[c] && Math.abs(under[c] - min) < 0.6 * min + 3, "class " + c + ": " + under[c]);
      }
      assertEquals(min, under[Arrays.stream(counts).boxed().toList().indexOf(min)], "the smallest class is kept whole");
    }
  }

  private static long[] classCounts(List<DataSet> batches) {
    long[] n = new long[10];
    for (DataSet ds : batches) {
      INDArray idx = ds.getLabels().argMax(1);
      for (int i = 0; i < idx.length(); i++) {
        n[idx.getInt(i)]++;
      }
    }
    return n;
  }

  /** A hash of every example's feature row, sorted: the multiset of examples, whatever the batching. */
  private static List<String> rows(List<DataSet> batches) {
    List<String> out = new ArrayList<>();
    for (DataSet ds : batches) {
      INDArray f = ds.getFeatures();
      for (int i = 0; i < f.size(0); i++) {
        out.add(Integer.toHexString(Arrays.hashCode(f.getRow(i).toFloatVector())));
      }
    }
    out.sort(null);
    return out;
  }
}
