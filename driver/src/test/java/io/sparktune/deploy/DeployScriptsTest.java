package io.sparktune.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.io.Json;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The shell scripts under deploy/ parse, are executable, and the GPU discovery script speaks Spark's format. */
class DeployScriptsTest {
  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
    return out;
  }

  @Test
  void everyScriptParsesAndIsExecutable() throws Exception {
    List<Path> scripts;
    try (Stream<Path> files = Files.walk(Path.of("deploy"))) {
      scripts = files.filter(f -> f.toString().endsWith(".sh")).toList();
    }
    assertTrue(scripts.size() >= 6, "expected the deploy scripts, found " + scripts);
    for (Path s : scripts) {
      run("bash", "-n", s.toString());
      assertTrue(Files.isExecutable(s), s + " is not executable");
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void gpuDiscoveryPrintsSparksResourceJson() throws Exception {
    Map<String, Object> found = Json.readMap(run("bash", new File("deploy/gpu/discover-gpus.sh").getPath()).trim());
    assertEquals("gpu", found.get("name"));
    List<String> addresses = (List<String>) found.get("addresses");
    boolean hasNvidiaSmi = Stream.of(System.getenv("PATH").split(File.pathSeparator))
        .anyMatch(d -> Files.isExecutable(Path.of(d, "nvidia-smi")));
    if (!hasNvidiaSmi) {
      assertEquals(List.of(), addresses, "no nvidia-smi, no GPUs");
    }
    addresses.forEach(a -> assertTrue(a.matches("\\d+"), "GPU index " + a));
  }
}
