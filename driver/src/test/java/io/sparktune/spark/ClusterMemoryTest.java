package io.sparktune.spark;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The memory line names what was configured, and Spark's default where nothing was. */
class ClusterMemoryTest {

  @Test
  void unsetExecutorMemorySettingsAreNamedAsSparksDefaults() {
    Map<String, Object> peaks = new HashMap<>();
    peaks.put("driver-peak-rss-bytes", 1L << 30);
    peaks.put("executor-peak-rss-bytes", Map.of("1", 2L << 30));
    peaks.put("executor-memory", "2g");
    peaks.put("executor-memory-overhead", null);
    String line = ClusterMemory.describePeaks(peaks);
    assertFalse(line.contains("null"), line);
    assertTrue(line.contains("spark.executor.memory 2g") && line.contains("memoryOverhead not set"), line);
  }
}
