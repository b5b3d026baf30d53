package io.sparktune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.ChildSparktune;
import io.sparktune.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two commands on one output: while a fine-tune runs (in its own JVM), a second writer is refused with exit
 * code 3 naming the holder and changes nothing; once the first is killed, the next run takes the lock at once
 * (its holder's process is gone) and completes.
 */
class OutputLockIT {
  @TempDir
  Path dir;

  private static final String[] QUICK = {"--set", "spark.master=\"local[2]\"", "--set", "data.max-train-examples=2000",
      "--set", "evaluation.head-only-baseline=false", "--set", "evaluation.linear-baseline.enabled=false",
      "--set", "monitoring.dashboard.enabled=false", "--set", "evaluation.feature-importance.enabled=false"};

  private static String[] args(Path out, String epochs) {
    String[] head = {"finetune", "--config", "conf/examples/quickstart.conf", "--output", out.toString(), "--set",
        "training.epochs=" + epochs};
    String[] all = java.util.Arrays.copyOf(head, head.length + QUICK.length);
    System.arraycopy(QUICK, 0, all, head.length, QUICK.length);
    return all;
  }

  @Test
  void aSecondWriterIsRefusedWithExitThreeAndAKilledHolderDoesNotBlock() throws Exception {
    Path out = dir.resolve("run");
    Path lock = dir.resolve(".run.sparktune-lock");
    Process first = ChildSparktune.start(dir.resolve("first.log"), args(out, "50"));
    try {
      long deadline = System.currentTimeMillis() + 120_000;
      while (!Files.exists(out.resolve("config.conf")) && System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
      }
      assertTrue(Files.exists(lock) && first.isAlive(), "the first run holds the lock and works");
      CliRun second = CliRun.of(args(out, "1"));
      assertEquals(SparktuneCli.BUSY, second.code(), second.err());
      assertTrue(second.err().contains("error: Another run holds the lock")
          && second.err().contains("finetune writing " + out) && second.err().contains("pid " + first.pid()),
          second.err());
    } finally {
      first.destroyForcibly().waitFor(60, TimeUnit.SECONDS);
    }
    CliRun third = CliRun.of(args(out, "1"));
    assertEquals(0, third.code(), third.err());
    assertTrue(Files.exists(out.resolve("_COMPLETE")));
    assertTrue(!Files.exists(lock), "the lock is removed when its holder lets go");
  }
}
