package io.sparktune.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sparktune.ChildSparktune;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full local disk, for real: the output on a 6 MB tmpfs, which the quickstart's first checkpoint (the MLP with
 * Adam's moments, about 8 MB) does not fit. Hadoop's local file system reports that as FSError, an Error; the run
 * must still end (not hang), with exit 1 and one error line, and leave no output directory behind.
 */
class DiskFullIT {
  @TempDir
  Path dir;
  private Path mount;

  private static int run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor();
  }

  @AfterEach
  void unmount() throws Exception {
    if (mount != null) {
      run("umount", mount.toString());
    }
  }

  @Test
  void aFullDiskEndsTheRunWithAnErrorAndLeavesNoOutput() throws Exception {
    Path m = Files.createDirectory(dir.resolve("small-disk"));
    assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", m.toString()) == 0,
        "mounting a tmpfs needs root (CI runs as root)");
    mount = m;
    Path out = mount.resolve("run");
    Path log = dir.resolve("run.log");
    Process p = ChildSparktune.start(log, "finetune", "--config", "conf/examples/quickstart.conf", "--output",
        out.toString(), "--set", "spark.master=\"local[2]\"", "--set", "data.max-train-examples=1000",
        "--set", "training.epochs=2", "--set", "checkpoint.every-epochs=1",
        "--set", "evaluation.head-only-baseline=false", "--set", "evaluation.linear-baseline.enabled=false",
        "--set", "monitoring.dashboard.enabled=false");
    boolean ended = p.waitFor(5, TimeUnit.MINUTES);
    if (!ended) {
      p.destroyForcibly();
    }
    String printed = Files.readString(log);
    assertTrue(ended, "the run ended instead of hanging:\n" + printed);
    assertEquals(1, p.exitValue(), printed);
    List<String> errors = printed.lines().filter(l -> l.startsWith("error:")).toList();
    assertEquals(1, errors.size(), printed);
    assertTrue(errors.get(0).contains("disk is full"), errors.get(0));
    assertFalse(Files.exists(out), "the unfinished output directory is removed (nothing in it could be resumed)");
  }
}
