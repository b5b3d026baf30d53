package io.sparktune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** One-bit compression with error feedback: nothing is lost, and each block's scale is its own. */
class OneBitEncoderTest {

  @Test
  void whatWasSentPlusTheResidualIsEverythingAdded() {
    int[] segments = {300, 17, 1000};
    OneBitEncoder enc = new OneBitEncoder(segments, new int[] {256, 256, 256});
    assertEquals(1317, enc.length());
    assertEquals(2 + 1 + 4, enc.blocks());
    OneBitEncoder.Message m = enc.newMessage();
    float[] decoded = new float[enc.length()];
    double[] added = new double[enc.length()];
    double[] sent = new double[enc.length()];
    Random r = new Random(1);
    for (int step = 0; step < 40; step++) {
      float[] u = new float[enc.length()];
      for (int i = 0; i < u.length; i++) {
        u[i] = (float) (r.nextGaussian() * (i < 300 ? 1e-3 : 10));
        added[i] += u[i];
      }
      enc.encode(u, m);
      enc.decode(m, decoded);
      for (int i = 0; i < u.length; i++) {
        sent[i] += decoded[i];
      }
    }
    for (int i = 0; i < added.length; i++) {
      assertEquals(added[i], sent[i] + enc.residual()[i], 1e-3 * (1 + Math.abs(added[i])), "entry " + i);
    }
  }

  @Test
  void aBlockOfSmallValuesKeepsItsOwnScale() {
    OneBitEncoder enc = new OneBitEncoder(new int[] {4, 4}, new int[] {256, 256});
    OneBitEncoder.Message m = enc.newMessage();
    enc.encode(new float[] {1e-4f, -1e-4f, 3e-4f, -1e-4f, 100, -50, 20, -30}, m);
    float[] decoded = new float[8];
    enc.decode(m, decoded);
    assertEquals(1.5e-4f, decoded[0], 1e-9);
    assertEquals(-1.5e-4f, decoded[1], 1e-9);
    assertEquals(50f, decoded[4], 1e-5);
    assertEquals(-50f, decoded[5], 1e-5);
    assertTrue(enc.messageBytes() == 1 + 2 * 4);
  }

  /** Blocks of one value send it exactly (batch normalisation's running statistics): nothing stays behind. */
  @Test
  void blocksOfOneValueAreSentExactly() {
    OneBitEncoder enc = new OneBitEncoder(new int[] {3, 2}, new int[] {256, 1});
    assertEquals(3, enc.blocks());
    OneBitEncoder.Message m = enc.newMessage();
    float[] values = {1, -1, 4, 0.5f, -1e-3f};
    enc.encode(values, m);
    float[] decoded = new float[5];
    enc.decode(m, decoded);
    assertEquals(0.5f, decoded[3], 0f);
    assertEquals(-1e-3f, decoded[4], 0f);
    assertEquals(0f, enc.residual()[3], 0f);
    assertEquals(0f, enc.residual()[4], 0f);
  }
}
