package io.sparktune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.ChildSparktune;
import io.sparktune.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM in the middle of a fine-tune (after its first checkpoint): the process ends with one line saying what
 * is kept and no stack trace or failure report, and the same command with --resume finishes the run from the
 * kept checkpoint.
 */
class SignalIT {
  @TempDir
  Path dir;

  @Test
  void sigtermStopsWithOneLineAndTheRunResumes() throws Exception {
    Path out = dir.resolve("run");
    String[] args = {"finetune", "--config", "conf/examples/quickstart.conf", "--output", out.toString(),
        "--set", "spark.master=\"local[2]\"", "--set", "data.max-train-examples=3000", "--set", "training.epochs=6",
        "--set", "checkpoint.every-epochs=1", "--set", "evaluation.head-only-baseline=false",
        "--set", "evaluation.linear-baseline.enabled=false", "--set", "monitoring.dashboard.enabled=false"};
    Path log = dir.resolve("run.log");
    Process p = ChildSparktune.start(log, args);
    Path firstCheckpoint = out.resolve("checkpoints/epoch-00001/manifest.json");
    long deadline = System.currentTimeMillis() + 300_000;
    while (!Files.exists(firstCheckpoint) && p.isAlive() && System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
    }
    assertTrue(Files.exists(firstCheckpoint) && p.isAlive(), "a checkpoint was kept and the run goes on:\n"
        + Files.readString(log));
    long before = Files.readAllLines(log).size();
    p.destroy(); // SIGTERM
    assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the run stops");
    List<String> after = Files.readAllLines(log).subList((int) before, Files.readAllLines(log).size());
    String printed = String.join("\n", after);
    assertEquals(1, after.stream().filter(l -> l.startsWith("sparktune: stopped by a signal")).count(), printed);
    assertTrue(after.stream().noneMatch(l -> l.startsWith("error:") || l.contains("Exception") || l.matches("\\s+at .*")),
        "nothing but the one line (and progress) after the signal:\n" + printed);
    assertTrue(printed.contains("are kept"), printed);

    String[] resume = java.util.Arrays.copyOf(args, args.length + 1);
    resume[args.length] = "--resume";
    CliRun r = CliRun.of(resume);
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.exists(out.resolve("_COMPLETE")));
  }
}
