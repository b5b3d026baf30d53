package io.sparktune.job;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.BadInputException;
import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One writer per output, and no output over an input. */
class OutputLockTest {
  @TempDir
  Path dir;

  private FineTuneSettings settings(Path out, String... sets) {
    List<String> all = new java.util.ArrayList<>(List.of("output.uri=\"" + out + "\""));
    all.addAll(List.of(sets));
    return FineTuneSettings.fromConfig(ConfigLoader.load(new File("conf/examples/iris-csv.conf"), all));
  }

  @Test
  void aSecondWriterIsRefusedNamingTheHolderAndTheLockGoesWithTheFirst() {
    Path out = dir.resolve("run");
    try (OutputLock first = OutputLock.take(settings(out), "finetune", Map.of())) {
      assertTrue(out.toFile().mkdirs(), "the run starts writing (an existing directory's URI ends with a slash)");
      assertTrue(Files.isDirectory(Path.of(first.directory().toUri())), "the lock sits beside the output");
      String msg = assertThrows(DirectoryLock.HeldException.class,
          () -> OutputLock.take(settings(out), "evaluate", Map.of())).getMessage();
      assertTrue(msg.contains("finetune writing " + out) && msg.contains("pid " + ProcessHandle.current().pid()), msg);
      assertFalse(Files.exists(out.resolve("..sparktune-lock")), "the lock is not inside the output");
    }
    assertFalse(Files.exists(dir.resolve(".run.sparktune-lock")), "released and removed");
    try (OutputLock again = OutputLock.take(settings(out), "finetune", Map.of())) {
      assertTrue(Files.exists(dir.resolve(".run.sparktune-lock")));
    }
  }

  @Test
  void anOutputOverlappingAnInputIsRefused() {
    Path data = new File("src-test-data/tabular").getAbsoluteFile().toPath();
    String same = assertThrows(BadInputException.class, () -> OutputLock.take(settings(data,
        "data.train-uri=\"" + data + "\""), "finetune", Map.of())).getMessage();
    assertTrue(same.contains("(data.train-uri)") && same.contains("the same place"), same);
    String inside = assertThrows(BadInputException.class, () -> OutputLock.take(settings(data.resolve("out"),
        "data.train-uri=\"" + data + "\""), "finetune", Map.of())).getMessage();
    assertTrue(inside.contains("written inside it"), inside);
    Path run = dir.resolve("run");
    String holds = assertThrows(BadInputException.class, () -> OutputLock.take(settings(run), "evaluate",
        Map.of("--model", run.resolve("model.zip").toString()))).getMessage();
    assertTrue(holds.contains("the input is inside the output"), holds);
    String glob = assertThrows(BadInputException.class, () -> OutputLock.take(settings(data.resolve("x"),
        "data.train-uri=\"" + data + "/*.csv\""), "finetune", Map.of())).getMessage();
    assertTrue(glob.contains("*.csv"), glob);
    assertDoesNotThrow(() -> OutputLock.take(settings(dir.resolve("tabular-run")), "finetune", Map.of()).close(),
        "a sibling whose name starts like the input's is apart");
  }
}
