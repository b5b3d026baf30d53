package io.sparktune.cli;

import java.nio.file.Path;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * Where sparktune's log goes, and {@code --debug}. The console shows one line per message and no stack traces
 * (an executor's failure arrives as one {@code error:} sentence); the log file keeps everything. The layout is
 * in {@code log4j2.properties}; this class only names the file and switches the console to full detail.
 */
final class Logs {
  private Logs() {}

  /** The log file: {@code -Dsparktune.log.file}, else {@code sparktune-USER.log} in the temporary folder. */
  static Path file() {
    String configured = System.getProperty("sparktune.log.file");
    return configured != null ? Path.of(configured)
        : Path.of(System.getProperty("java.io.tmpdir"), "sparktune-" + System.getProperty("user.name") + ".log");
  }

  /** {@code --debug}: stack traces and Spark's task failures on the console too. */
  static void debug() {
    System.setProperty("sparktune.console", "debug");
    System.setProperty("sparktune.debug.console", "debug");
    Configurator.reconfigure();
  }
}
