package io.sparktune.model.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparktune.RealTexts;
import io.sparktune.model.Network;
import io.sparktune.text.Vocabulary;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/** New vocabulary rows for the pre-trained SpamAssassin LSTM: the old rows and outputs stay as they were. */
class EmbeddingRowsTest {
  @Test
  void growsTheEmbeddingAndKeepsEveryOldRowAndOutput() throws Exception {
    Network base = RealTexts.model();
    Vocabulary v = RealTexts.vocabulary();
    float[][] rows = new float[3][32];
    for (int k = 0; k < 3; k++) {
      rows[k][k] = k + 1;
    }
    Network grown = EmbeddingRows.extend(base, v.size(), rows);
    assertEquals(v.size() + 3, grown.embeddingRows());
    assertEquals(base.numParams() + 3 * 32, grown.numParams());
    INDArray oldW = base.layers()[0].getParam("W");
    INDArray newW = grown.layers()[0].getParam("W");
    for (int r = 0; r < v.size(); r++) {
      assertEquals(oldW.getRow(r), newW.getRow(r), "row " + r);
    }
    for (int k = 0; k < 3; k++) {
      assertArrayEquals(rows[k], newW.getRow(v.size() + k).toFloatVector());
    }
    for (int i = 1; i < base.layers().length; i++) {
      assertEquals(base.layers()[i].params(), grown.layers()[i].params(), "layer " + i);
    }
    DataSet mail = PrefixTuningTest.batch(v, RealTexts.texts(16), 64);
    assertEquals(base.output(mail), grown.output(mail), "texts of the old vocabulary: identical outputs");
  }
}
