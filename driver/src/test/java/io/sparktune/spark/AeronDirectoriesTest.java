package io.sparktune.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aeron.CommonContext;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real media drivers: one alive in this JVM, one in a child JVM killed with SIGKILL. */
class AeronDirectoriesTest {
  @TempDir
  Path parent;

  @Test
  void removesTheDirectoryOfAKilledDriverAndKeepsTheLiveOne() throws Exception {
    Path live = parent.resolve("aeron-test-live");
    Path killed = parent.resolve("aeron-test-killed");
    Path other = Files.createDirectories(parent.resolve("something-else"));
    try (MediaDriver driver = MediaDriver.launch(new MediaDriver.Context().aeronDirectoryName(live.toString())
        .threadingMode(ThreadingMode.SHARED).dirDeleteOnShutdown(false))) {
      Process child = startDriver(killed);
      try {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!CommonContext.isDriverActive(killed.toFile(), 1_000, m -> {})) {
          assertTrue(System.currentTimeMillis() < deadline, "the child's media driver did not start");
          Thread.sleep(100);
        }
        assertEquals(0, AeronDirectories.removeStale(parent, "aeron-test-", 1_000, 0).directories(),
            "both drivers are alive");
      } finally {
        child.destroyForcibly(); // SIGKILL: no shutdown, the directory stays
        child.waitFor(30, TimeUnit.SECONDS);
      }
      Thread.sleep(1_500); // past the 1 s driver timeout
      AeronDirectories.Removed r = AeronDirectories.removeStale(parent, "aeron-test-", 1_000, 0);
      assertEquals(1, r.directories());
      assertTrue(r.bytes() > 0, "the killed driver's files had a size");
      assertFalse(Files.exists(killed), "the killed driver's directory is gone");
      assertTrue(Files.exists(live.resolve("cnc.dat")), "the live driver keeps its directory");
      assertTrue(Files.exists(other), "directories with another name are not touched");
    }
  }

  @Test
  void aFreshDirectoryWithoutADriverIsLeftAlone() throws Exception {
    Path starting = Files.createDirectories(parent.resolve("aeron-test-starting"));
    assertEquals(0, AeronDirectories.removeStale(parent, "aeron-test-", 1_000, 60_000).directories(),
        "a driver may be starting in it");
    assertTrue(Files.exists(starting));
    assertEquals(1, AeronDirectories.removeStale(parent, "aeron-test-", 1_000, 0).directories());
  }

  private static Process startDriver(Path dir) throws Exception {
    String aeronJar = Path.of(MediaDriver.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(List.of(java, "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Daeron.dir=" + dir, "-Daeron.threading.mode=SHARED",
        "-cp", aeronJar, "io.aeron.driver.MediaDriver")).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
  }
}
