package io.sparktune.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparktune.data.BatchAssembler;
import io.sparktune.data.FeatureLayout;
import io.sparktune.data.IdxFiles;
import io.sparktune.data.IdxSource;
import io.sparktune.data.Record;
import io.sparktune.model.ModelFormat;
import io.sparktune.model.ModelLoader;
import io.sparktune.model.Network;
import java.io.FileInputStream;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler;

/** Distributed evaluation over several partitions equals single-process evaluation exactly. */
class DistributedEvaluationIT {
  static final String DIR = "src-test-data/mnist/";

  @Test
  void distributedEqualsSingleProcess() throws Exception {
    List<String> classes = IntStream.range(0, 10).mapToObj(Integer::toString).toList();
    Network net = ModelLoader.load("src-test-data/models/dl4j-mnist-mlp/trained_mnist_model.zip", ModelFormat.AUTO, "", 1);
    BatchAssembler assembler = new BatchAssembler(100, 10, FeatureLayout.flat(784), new ImagePreProcessingScaler(0, 1));

    List<Record> local;
    try (FileInputStream i = new FileInputStream(DIR + "npm-digits-images-idx3-ubyte.gz");
         FileInputStream l = new FileInputStream(DIR + "npm-digits-labels-idx1-ubyte.gz")) {
      local = IdxFiles.records(IdxFiles.read(i, "images"), IdxFiles.read(l, "labels"), "images", 10);
    }
    ClassificationResult singleResult = ClassificationEvaluator.evaluate(net, assembler.batches(local.iterator()), classes, 3);
    Evaluation single = singleResult.evaluation();

    SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("eval-it")
        .set("spark.driver.host", "127.0.0.1").set("spark.ui.enabled", "false");
    try (JavaSparkContext sc = new JavaSparkContext(conf)) {
      JavaRDD<Record> records = new IdxSource()
          .read(sc, DIR + "npm-digits-images-idx3-ubyte.gz", DIR + "npm-digits-labels-idx1-ubyte.gz", classes)
          .repartition(5);
      ClassificationResult distributedResult = DistributedEvaluator.evaluate(sc, net, records, assembler, classes, 3);
      Evaluation distributed = distributedResult.evaluation();
      assertEquals(single.getNumRowCounter(), distributed.getNumRowCounter());
      assertEquals(local.size(), (int) distributed.getNumRowCounter());
      for (int a = 0; a < 10; a++) {
        int[] s = new int[10];
        int[] d = new int[10];
        for (int p = 0; p < 10; p++) {
          s[p] = single.getConfusion().getCount(a, p);
          d[p] = distributed.getConfusion().getCount(a, p);
        }
        assertArrayEquals(s, d, "confusion row " + a);
      }
      assertEquals(single.accuracy(), distributed.accuracy(), 0.0);
      assertEquals(single.topNAccuracy(), distributed.topNAccuracy(), 0.0);
      // log loss and calibration are sums of floating-point terms: equal up to summation order
      assertEquals(singleResult.curves().macroRocAuc(), distributedResult.curves().macroRocAuc(), 1e-12);
      assertEquals(singleResult.curves().macroPrAuc(), distributedResult.curves().macroPrAuc(), 1e-12);
      assertEquals(singleResult.logLoss(), distributedResult.logLoss(), 1e-9);
      assertEquals(singleResult.expectedCalibrationError(), distributedResult.expectedCalibrationError(), 1e-9);
      // the pre-trained MNIST model really recognises the real digits
      org.junit.jupiter.api.Assertions.assertTrue(single.accuracy() > 0.9, "accuracy " + single.accuracy());
    }
  }
}
