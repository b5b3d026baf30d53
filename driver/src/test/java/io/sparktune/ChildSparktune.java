package io.sparktune;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts {@code sparktune} in a child JVM with the test classpath (for tests that kill the driver). */
public final class ChildSparktune {
  private ChildSparktune() {}

  /** Starts {@code sparktune args...}, its output in {@code log}. */
  public static Process start(Path log, String... args) throws IOException {
    return start(log, java.util.Map.of(), args);
  }

  /** As {@link #start(Path, String...)}, with {@code env} added to the child's environment. */
  public static Process start(Path log, java.util.Map<String, String> env, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx2g", "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))));
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-opens")).toList());
    cmd.addAll(List.of("-Daeron.publication.unblock.timeout=60000000000", "io.sparktune.cli.SparktuneCli"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    return pb.start();
  }
}
