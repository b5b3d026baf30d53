package io.sparktune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

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
 * Augmentation on the executors (real Fashion-MNIST, local[2]): the augmented training set of an epoch
 * is the same whatever the number of workers, changes from epoch to epoch, and differs from the raw data.
 */
class AugmentationIT {
  static final String MLP = "src-test-data/models/keras-mnist-mlp/mnist_mlp_tf_keras_2_";

  @Test
  void augmentedEpochsAreReproducibleAndIndependentOfPartitioning() {
    FineTuneSettings s = FineTuneSettings.fromConfig(ConfigLoader.load(new File("conf/examples/quickstart.conf"),
        List.of("data.max-train-examples=300")));
    SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("augmentation-it")
        .set("spark.driver.host", "127.0.0.1").set("spark.ui.enabled", "false");
    try (JavaSparkContext sc = new JavaSparkContext(conf)) {
      Network base = ModelLoader.load(MLP + "config.json", ModelFormat.AUTO, MLP + "weights.h5", 1);
      PreparedData data = DataPipeline.prepare(sc, s.data(), s.seed(), base, List.of(), null);
      ImageAugmentation aug = new ImageAugmentation(1, 28, 28, 2, 10, true, 6, 3);
      List<String> oneWorker = rows(data.trainingBatches(7, 1, 1, 32, aug, null).collect());
      List<String> twoWorkers = rows(data.trainingBatches(7, 1, 2, 32, aug, null).collect());
      assertEquals(oneWorker, twoWorkers, "the same augmented examples with 1 or 2 workers");
      assertEquals(data.trainCount(), oneWorker.size());
      assertNotEquals(oneWorker, rows(data.trainingBatches(7, 2, 2, 32, aug, null).collect()), "epoch 2 differs");
      assertNotEquals(oneWorker, rows(data.trainingBatches(7, 1, 2, 32, null, null).collect()), "raw data differs");
    }
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
