package io.sparktune.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Executes every notebook under notebooks/ headlessly through Jupyter (jupyter nbconvert --execute) with the
 * sparktune-java kernel, into copies under target/, so the committed notebooks keep the outputs they were
 * saved with. A cell that fails fails the test. Needs Debian's jupyter-nbconvert (.ci/run installs it).
 */
class NotebooksIT {
  static final Path OUT = Path.of("notebooks/kernel/target/notebooks-it");

  static Stream<String> notebooks() throws Exception {
    try (Stream<Path> files = Files.list(Path.of("notebooks"))) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".ipynb")).sorted().toList().stream();
    }
  }

  @BeforeAll
  static void installKernel() throws Exception {
    Files.createDirectories(OUT);
    Run r = run(OUT.resolve("install-kernel.log"), "bash", "notebooks/install-kernel.sh");
    assertEquals(0, r.code(), "install-kernel.sh: " + r.log());
  }

  @ParameterizedTest
  @MethodSource("notebooks")
  void runsWithoutAFailingCell(String notebook) throws Exception {
    Run r = run(OUT.resolve(notebook + ".log"), "jupyter", "nbconvert", "--to", "notebook", "--execute",
        "--ExecutePreprocessor.kernel_name=sparktune-java", "--ExecutePreprocessor.timeout=1800",
        "--output-dir", OUT.toString(), "notebooks/" + notebook);
    assertEquals(0, r.code(), notebook + " failed:\n" + tail(r.log()));
    String executed = Files.readString(OUT.resolve(notebook));
    assertTrue(executed.contains("\"image/png\""), notebook + " drew no chart");
    assertTrue(!executed.contains("\"output_type\": \"error\""), notebook + " has an error output");
  }

  record Run(int code, String log) {}

  static Run run(Path log, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(30, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + String.join(" ", cmd));
    }
    return new Run(p.exitValue(), Files.readString(log));
  }

  static String tail(String log) {
    List<String> lines = log.lines().filter(l -> !l.contains(" INFO ")).toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }
}
