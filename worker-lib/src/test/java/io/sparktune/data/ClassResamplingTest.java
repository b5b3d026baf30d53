package io.sparktune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ClassResamplingTest {
  static final long[] COUNTS = {600, 30, 150, 0};

  @Test
  void oversamplingRaisesEveryClassToTheLargest() {
    ClassResampling r = ClassResampling.of("oversample", COUNTS);
    assertEquals(1.0, r.rate(0));
    assertEquals(20.0, r.rate(1));
    assertEquals(4.0, r.rate(2));
    assertEquals(0.0, r.rate(3), "a class without examples is never drawn");
    assertEquals(1800, r.expectedExamples());
    assertEquals(20, r.copies(1, new SplittableRandom(1)), "a whole rate is exact");
  }

  @Test
  void fractionalRatesAreMetOnAverage() {
    ClassResampling r = ClassResampling.of("undersample", COUNTS);
    assertEquals(0.05, r.rate(0), 1e-12);
    assertEquals(1.0, r.rate(1));
    SplittableRandom rnd = new SplittableRandom(3);
    long kept = 0;
    for (int i = 0; i < 100_000; i++) {
      int n = r.copies(0, rnd);
      assertEquals(n, Math.min(1, n), "at most once");
      kept += n;
    }
    assertEquals(5000, kept, 300, "5% of the largest class is kept on average");
    assertEquals(90, r.expectedExamples());
  }

  @Test
  void unknownModeIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> ClassResampling.of("smote", COUNTS));
  }
}
