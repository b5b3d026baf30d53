package io.sparktune.cli;

import io.sparktune.io.HadoopFiles;
import io.sparktune.io.Json;
import io.sparktune.registry.ModelRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sparktune registry list|show|register|promote|rollback}: model versions and aliases. */
@Command(name = "registry", mixinStandardHelpOptions = true,
    description = "The model registry on any Hadoop URI: numbered versions with lineage, and aliases such as "
        + "production or candidate that move atomically.",
    subcommands = {RegistryCommand.List.class, RegistryCommand.Show.class, RegistryCommand.Register.class,
        RegistryCommand.Promote.class, RegistryCommand.Rollback.class})
final class RegistryCommand implements Runnable {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(),
        "Missing subcommand: list, show, register, promote or rollback.");
  }

  /** Options every registry subcommand has. */
  static class Where {
    @Option(names = "--registry", required = true, paramLabel = "URI", description = "The registry's root (any "
        + "Hadoop URI: a local path, hdfs://, s3a://).")
    String registry;

    @Option(names = "--hadoop", paramLabel = "KEY=VALUE", description = "A Hadoop setting for the registry's "
        + "filesystem, e.g. --hadoop fs.s3a.endpoint=http://minio:9000 (repeatable).")
    java.util.List<String> hadoop = new java.util.ArrayList<>();

    ModelRegistry open() {
      Configuration conf = new Configuration();
      for (String kv : hadoop) {
        int eq = kv.indexOf('=');
        if (eq <= 0) {
          throw new io.sparktune.BadInputException("--hadoop '" + kv + "' must be KEY=VALUE.");
        }
        conf.set(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
      }
      HadoopFiles.useConfiguration(conf);
      return new ModelRegistry(registry);
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "The registered models, or one model's "
      + "versions with their aliases and validation metrics.")
  static final class List implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    Where where = new Where();

    @Option(names = "--name", paramLabel = "NAME", description = "List this model's versions.")
    String name;

    @Override
    public Integer call() {
      ModelRegistry r = where.open();
      if (name == null) {
        for (String n : r.names()) {
          java.util.List<ModelRegistry.Version> versions = r.versions(n);
          System.out.printf("%s  %d version(s)%s%n", n, versions.size(), aliasesText(r, n));
        }
        return SparktuneCli.OK;
      }
      // the versions listed are verified once; an alias is shown beside the version it names
      Map<Integer, java.util.List<String>> byVersion = new java.util.TreeMap<>();
      for (String a : r.aliases(name)) {
        java.util.List<ModelRegistry.AliasMove> h = r.history(name, a);
        if (h.isEmpty()) {
          continue;
        }
        byVersion.computeIfAbsent(h.get(h.size() - 1).version(), k -> new java.util.ArrayList<>()).add(a);
      }
      System.out.printf("%-8s %-26s %-10s %-22s %s%n", "version", "registered", "accuracy", "aliases", "parent model");
      for (ModelRegistry.Version v : r.versions(name)) {
        System.out.printf("%-8d %-26s %-10s %-22s %s%n", v.number(), v.info().get("registered-at"),
            accuracy(v.info()), String.join(",", byVersion.getOrDefault(v.number(), java.util.List.of())),
            v.info().get("parent-model"));
      }
      return SparktuneCli.OK;
    }

    private static String aliasesText(ModelRegistry r, String n) {
      StringBuilder sb = new StringBuilder();
      for (String a : r.aliases(n)) {
        r.alias(n, a).ifPresent(v -> sb.append("  ").append(a).append("=v").append(v.number()));
      }
      return sb.toString();
    }
  }

  @SuppressWarnings("unchecked")
  static String accuracy(Map<String, Object> info) {
    return info.get("metrics") instanceof Map<?, ?> m && ((Map<String, Object>) m).get("accuracy") instanceof Number a
        ? String.format("%.4f", a.doubleValue()) : "-";
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "One version's record (lineage, metrics, "
      + "files) as JSON, by number or alias, with the alias's history.")
  static final class Show implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    Where where = new Where();

    @Option(names = "--name", required = true, paramLabel = "NAME")
    String name;

    @Option(names = "--version", paramLabel = "N", description = "The version number.")
    Integer version;

    @Option(names = "--alias", paramLabel = "ALIAS", description = "The alias (when --version is not given).")
    String alias;

    @Override
    public Integer call() {
      ModelRegistry r = where.open();
      if ((version == null) == (alias == null)) {
        throw new io.sparktune.BadInputException("registry show needs exactly one of --version and --alias.");
      }
      ModelRegistry.Version v = (version != null ? r.version(name, version) : r.alias(name, alias)).orElseThrow(() ->
          new io.sparktune.BadInputException("Model '" + name + "' has no " + (version != null ? "complete version "
              + version : "alias '" + alias + "'") + " in " + r.root() + "."));
      Map<String, Object> out = new java.util.LinkedHashMap<>(v.info());
      out.put("model-uri", v.model().toString());
      if (alias != null) {
        out.put("alias-history", r.history(name, alias));
      }
      System.out.println(Json.write(out));
      return SparktuneCli.OK;
    }
  }

  @Command(name = "register", mixinStandardHelpOptions = true, description = "Register a finished run's model as "
      + "the model's next version, optionally pointing an alias at it.")
  static final class Register implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    Where where = new Where();

    @Option(names = "--name", required = true, paramLabel = "NAME")
    String name;

    @Option(names = "--run", required = true, paramLabel = "URI", description = "A finished sparktune run directory.")
    String run;

    @Option(names = "--alias", paramLabel = "ALIAS", description = "Point this alias at the new version.")
    String alias;

    @Override
    public Integer call() {
      ModelRegistry r = where.open();
      ModelRegistry.Version v = r.register(name, run, Map.of());
      System.out.printf("registered %s version %d (%s), accuracy %s%n", name, v.number(), v.dir(), accuracy(v.info()));
      if (alias != null) {
        r.move(name, alias, v.number(), "registered");
        System.out.printf("%s -> version %d%n", alias, v.number());
      }
      return SparktuneCli.OK;
    }
  }

  @Command(name = "promote", mixinStandardHelpOptions = true, description = "Point an alias (default production) "
      + "at a version.")
  static final class Promote implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    Where where = new Where();

    @Option(names = "--name", required = true, paramLabel = "NAME")
    String name;

    @Option(names = "--version", required = true, paramLabel = "N")
    int version;

    @Option(names = "--alias", defaultValue = "production", paramLabel = "ALIAS")
    String alias;

    @Option(names = "--reason", defaultValue = "promoted by hand", paramLabel = "TEXT")
    String reason;

    @Override
    public Integer call() {
      ModelRegistry.AliasMove m = where.open().move(name, alias, version, reason);
      System.out.printf("%s of %s -> version %d (move %d)%n", alias, name, m.version(), m.sequence());
      return SparktuneCli.OK;
    }
  }

  @Command(name = "rollback", mixinStandardHelpOptions = true, description = "Move an alias (default production) "
      + "back to the version it named before.")
  static final class Rollback implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    Where where = new Where();

    @Option(names = "--name", required = true, paramLabel = "NAME")
    String name;

    @Option(names = "--alias", defaultValue = "production", paramLabel = "ALIAS")
    String alias;

    @Option(names = "--reason", defaultValue = "rolled back by hand", paramLabel = "TEXT")
    String reason;

    @Override
    public Integer call() {
      ModelRegistry.AliasMove m = where.open().rollback(name, alias, reason);
      System.out.printf("%s of %s -> version %d (move %d)%n", alias, name, m.version(), m.sequence());
      return SparktuneCli.OK;
    }
  }

  private RegistryCommand() {}
}
