package io.sparktune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** The split and shuffle keys do not depend on where the data lies. */
class SplitsTest {
  @Test
  void keysIgnoreTheDataLocation() {
    assertEquals(Splits.hash(42, "file:/work/main/src-test-data/tabular/iris.csv:12"),
        Splits.hash(42, "file:/tmp/tmp.x1/src-test-data/tabular/iris.csv:12"));
    assertEquals(Splits.unit(7, "hdfs://nn:8020/data/iris.csv:3"), Splits.unit(7, "file:/data/iris.csv:3"));
    assertNotEquals(Splits.hash(42, "file:/d/iris.csv:12"), Splits.hash(42, "file:/d/iris.csv:13"));
    assertEquals("train-images-idx3-ubyte.gz#5", Splits.locationFree("train-images-idx3-ubyte.gz#5"));
  }
}
