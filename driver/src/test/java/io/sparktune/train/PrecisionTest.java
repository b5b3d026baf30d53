package io.sparktune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.sparktune.model.ModelFormat;
import io.sparktune.model.ModelLoader;
import io.sparktune.model.Network;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** On the CPU backend half precision is reported as not used and the network stays float32. */
class PrecisionTest {
  @Test
  void halfPrecisionIsNotUsedOnTheCpuBackend() {
    Network net = ModelLoader.load("src-test-data/models/dl4j-iris-mlp/trained_iris_model.zip", ModelFormat.AUTO, "", 1);
    assertEquals("CPU", Precision.backend());
    for (String requested : Precision.NAMES) {
      Precision.Applied applied = Precision.apply(net, requested);
      assertSame(net, applied.network());
      assertEquals(DataType.FLOAT, applied.network().params().dataType());
      assertEquals(requested, applied.report().get("requested"));
      assertEquals("float32", applied.report().get("used"));
      assertEquals("CPU", applied.report().get("backend"));
    }
  }
}
