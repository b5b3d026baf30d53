package io.sparktune.spark;

import java.nio.file.Files;
import java.nio.file.Path;

/** Peak resident set size of this process (VmHWM): ND4J's off-heap memory has no reliable counter of its own. */
public final class PeakMemory {
  private PeakMemory() {}

  /** Bytes, or -1 where /proc is not available. */
  public static long peakRssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (Exception e) {
      return -1;
    }
    return -1;
  }
}
