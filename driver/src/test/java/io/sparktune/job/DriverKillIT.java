package io.sparktune.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.cli.SparktuneCli;
import io.sparktune.io.Json;
import io.sparktune.model.Network;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver killed with SIGKILL right after its first checkpoint: {@code --resume} continues from that
 * checkpoint and ends with parameters bit-identical to a run that was never interrupted (parameters, Adam
 * state and iteration/epoch counters all restored; training is deterministic for a seed).
 */
class DriverKillIT {
  @TempDir
  Path dir;

  static List<String> args(Path out, String... extra) {
    List<String> a = new ArrayList<>(List.of("finetune", "--config", "conf/examples/quickstart.conf", "--output",
        out.toString(), "--set", "spark.master=\"local[2]\"", "--set", "training.epochs=3", "--set",
        "data.max-train-examples=2000", "--set", "evaluation.head-only-baseline=false", "--set",
        "evaluation.linear-baseline.enabled=false", "--set", "evaluation.feature-importance.enabled=false", "--set",
        "evaluation.worst-examples=0", "--set", "monitoring.dashboard.enabled=false", "--set", "checkpoint.keep=5"));
    a.addAll(List.of(extra));
    return a;
  }

  @Test
  @SuppressWarnings("unchecked")
  void resumeAfterSigkillGivesTheUninterruptedRunsParameters() throws Exception {
    Path reference = dir.resolve("reference");
    assertEquals(0, SparktuneCli.execute(args(reference).toArray(String[]::new)));

    Path killed = dir.resolve("killed");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String jvmArg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (jvmArg.startsWith("--add-opens") || jvmArg.startsWith("-D") || jvmArg.startsWith("-Xmx")) {
        cmd.add(jvmArg);
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), SparktuneCli.class.getName()));
    cmd.addAll(args(killed));
    Process driver = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve("killed-driver.log").toFile()).start();
    // the driver logs the save once the manifest (written last) is complete; a kill while the manifest is still
    // being written leaves an unloadable checkpoint, which resume rightly skips
    Path log = dir.resolve("killed-driver.log");
    long deadline = System.currentTimeMillis() + 180_000;
    while (!Files.readString(log).contains("Checkpoint saved: file:" + killed.resolve("checkpoints/epoch-00001"))) {
      assertTrue(driver.isAlive(), "the driver ended before its first checkpoint: "
          + Files.readString(dir.resolve("killed-driver.log")));
      assertTrue(System.currentTimeMillis() < deadline, "no checkpoint within 3 minutes");
      Thread.sleep(20);
    }
    driver.destroyForcibly().waitFor(); // SIGKILL: no shutdown hooks, nothing flushed
    assertEquals(137, driver.exitValue(), "killed by SIGKILL");
    assertFalse(Files.exists(killed.resolve("_COMPLETE")));
    assertFalse(Files.exists(killed.resolve("checkpoints/epoch-00003")), "killed before the run could finish");
    Path epoch1 = killed.resolve("checkpoints/epoch-00001/model.zip");
    byte[] savedAtKill = Files.readAllBytes(epoch1);
    var savedAt = Files.getLastModifiedTime(epoch1);

    assertEquals(0, SparktuneCli.execute(args(killed, "--resume").toArray(String[]::new)));
    assertTrue(Files.exists(killed.resolve("_COMPLETE")));
    assertTrue(java.util.Arrays.equals(savedAtKill, Files.readAllBytes(epoch1))
        && savedAt.equals(Files.getLastModifiedTime(epoch1)),
        "resumed from the checkpoint: epoch 1 was not trained (and saved) again");
    Map<String, Object> metrics = Json.readMap(Files.readString(killed.resolve("metrics.json")));
    assertEquals(3, ((List<Object>) metrics.get("history")).size());
    Network a = Network.restore(Files.readAllBytes(reference.resolve("model.zip")), false);
    Network b = Network.restore(Files.readAllBytes(killed.resolve("model.zip")), false);
    assertEquals(a.params(), b.params(), "bit-identical to the uninterrupted run");
  }
}
