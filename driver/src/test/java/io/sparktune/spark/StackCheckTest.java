package io.sparktune.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StackCheckTest {
  @Test
  void theStackOfThisBuildPasses() {
    StackCheck.Expected want = StackCheck.Expected.ofBuild();
    assertEquals("2.12", want.scalaBinary());
    assertTrue(want.spark().startsWith("3.5."), want.spark());
    StackCheck.Running here = StackCheck.Running.here();
    assertEquals("1.0.0-M2", here.dl4j(), "read from the DL4J jar's pom.properties");
    assertEquals(List.of(), StackCheck.problems(want, here));
    StackCheck.require("driver");
  }

  @Test
  void aClusterWithAnotherStackIsRefusedByName() {
    StackCheck.Expected want = new StackCheck.Expected("3.5.7", "2.12", "1.0.0-M2", "nd4j-native");
    List<String> p = StackCheck.problems(want, new StackCheck.Running("3.4.1", "2.13.8", "1.0.0-M1.1", "1.0.0-M2.1"));
    assertEquals(4, p.size(), p.toString());
    assertTrue(p.get(0).contains("Spark 3.4.1 runs, but sparktune was built for Spark 3.5.x"), p.get(0));
    assertTrue(p.get(1).contains("Scala 2.13.8 runs, but sparktune was built for Scala 2.12"), p.get(1));
    assertTrue(p.get(2).contains("DL4J 1.0.0-M1.1"), p.get(2));
    assertTrue(p.get(3).contains("ND4J 1.0.0-M2.1 is on the classpath"), "the CUDA build's ND4J in the CPU build: " + p.get(3));
    assertEquals(List.of(), StackCheck.problems(want, new StackCheck.Running("3.5.1", "2.12.15", "1.0.0-M2", "1.0.0-M2")),
        "patch versions of Spark and Scala are fine");
  }
}
