package io.sparktune.cli;

import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.job.OutputLock;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options shared by every job command. */
public final class JobOptions {
  @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
      description = "HOCON file with the job's settings (see reference.conf for every key).")
  File config;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override one setting, e.g. --set training.epochs=5 (the 'sparktune.' prefix is optional).")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--output", paramLabel = "URI",
      description = "Where results go (any Hadoop URI); overrides output.uri.")
  String output;

  @Option(names = "--overwrite", description = "Replace a finished run in the output directory.")
  boolean overwrite;

  /** Overrides one key with a command-line option's value, quoted as a HOCON string (paths may hold any character). */
  void set(String key, Object value) {
    if (value != null) {
      overrides.add(key + "=" + (value instanceof String v ? com.typesafe.config.ConfigUtil.quoteString(v) : value));
    }
  }

  /** The resolved configuration, for jobs that complete it themselves (retrain). */
  com.typesafe.config.Config config() {
    com.typesafe.config.Config c = ConfigLoader.load(config, overrides);
    return output == null ? c : c.withValue(ConfigLoader.ROOT + ".output.uri",
        com.typesafe.config.ConfigValueFactory.fromAnyRef(output, "--output"));
  }

  /** Refuses an output that overlaps an input and takes the output's lock ({@link OutputLock}). */
  OutputLock lockOutput(FineTuneSettings s, String command) {
    return OutputLock.take(s, command, Map.of());
  }

  FineTuneSettings settings() {
    FineTuneSettings s = FineTuneSettings.fromConfig(ConfigLoader.load(config, overrides));
    return output == null ? s : s.withOutput(output);
  }
}
