package io.sparktune.bench;

import io.sparktune.io.Json;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One {@code sparktune finetune} in its own JVM, so its time and peak memory are its own. */
final class ChildRun {
  private static final Logger log = LoggerFactory.getLogger(ChildRun.class);

  private ChildRun() {}

  /**
   * Runs the fine-tune of {@code config} with {@code sets} into {@code work/variant}, its log in
   * {@code work/variant.log}, and returns its metrics.json.
   */
  static Map<String, Object> fineTune(String variant, File config, List<String> sets, Path work) throws Exception {
    Path out = work.resolve(variant);
    List<String> cmd = new ArrayList<>(BenchmarkRunner.javaCommand());
    cmd.addAll(List.of(io.sparktune.cli.SparktuneCli.class.getName(), "finetune", "--config", config.getPath(),
        "--output", out.toString(), "--overwrite"));
    sets.forEach(x -> cmd.addAll(List.of("--set", x)));
    log.info("Running {} ...", variant);
    Path logFile = work.resolve(variant + ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException(variant + " failed; see " + logFile);
    }
    return Json.readMap(Files.readString(out.resolve("metrics.json")));
  }
}
