package io.sparktune.registry;

import io.sparktune.BadInputException;
import io.sparktune.io.HadoopFiles;
import io.sparktune.io.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * Model versions and aliases on any Hadoop URI, written so that nothing relies on rename (S3):
 *
 * <pre>
 * ROOT/NAME/versions/000007/   model.zip and the run's files, then version.json (written last: the commit)
 * ROOT/NAME/aliases/ALIAS/000003.json   one file per alias move, never rewritten; the highest is current
 * </pre>
 *
 * A version directory without {@code version.json}, or whose files do not match the sizes and SHA-256 it
 * lists, is not a version. An alias moves by creating the next numbered file without overwrite, so two
 * concurrent moves cannot both succeed on HDFS or a local disk (S3 has no create-if-absent in Hadoop 3.3;
 * there retraining's lock serialises moves). Rollback is one more move: back to the version the alias
 * named before its current one.
 */
public final class ModelRegistry {
  public static final String VERSION_FILE = "version.json";
  /** The files of a sparktune run a version keeps (those present). */
  static final List<String> RUN_FILES = List.of("model.zip", "model-info.json", "normalizer.bin", "vocabulary.txt",
      "model-lora.zip", "metrics.json", "provenance.json", "config.conf", "data-profile.json");

  private final String root;

  public ModelRegistry(String root) {
    this.root = root.replaceAll("/+$", "");
  }

  /** A registered version: its number, directory and version.json. */
  public record Version(String name, int number, Path dir, Map<String, Object> info) {
    public Path model() {
      return new Path(dir, "model.zip");
    }
  }

  /** One move of an alias. */
  public record AliasMove(int sequence, int version, String movedAt, String reason) {}

  public String root() {
    return root;
  }

  /** Registered model names. */
  public List<String> names() {
    List<String> names = new ArrayList<>();
    for (FileStatus s : HadoopFiles.list(HadoopFiles.path(root))) {
      if (s.isDirectory() && !s.getPath().getName().startsWith(".")) {
        names.add(s.getPath().getName());
      }
    }
    names.sort(null);
    return names;
  }

  /**
   * Registers the model of a finished sparktune run directory as the next version of {@code name}.
   *
   * @param lineage extra lineage (e.g. the retraining that made it); the parent model, data fingerprint,
   *     config hash and metrics come from the run itself
   */
  public Version register(String name, String runUri, Map<String, Object> lineage) {
    checkName(name);
    Path run = HadoopFiles.path(runUri);
    if (!HadoopFiles.exists(new Path(run, "_COMPLETE")) || !HadoopFiles.exists(new Path(run, "model.zip"))) {
      throw new BadInputException("'" + runUri + "' is not a finished sparktune run (no _COMPLETE or model.zip); "
          + "only finished runs can be registered.");
    }
    int number = claimNextVersion(name);
    Path dir = versionDir(name, number);
    Map<String, Object> files = new LinkedHashMap<>();
    for (String f : RUN_FILES) {
      Path from = new Path(run, f);
      if (HadoopFiles.exists(from)) {
        byte[] bytes = HadoopFiles.readBytes(from, "run file");
        try (OutputStream out = HadoopFiles.create(new Path(dir, f))) {
          out.write(bytes);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException("Cannot write " + new Path(dir, f) + ": " + e.getMessage(), e);
        }
        files.put(f, Map.of("bytes", bytes.length, "sha256", io.sparktune.io.Sha256.hex(bytes)));
      }
    }
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("name", name);
    info.put("version", number);
    info.put("registered-at", Instant.now().toString());
    info.put("source-run", run.toString());
    Map<String, Object> provenance = readJson(new Path(run, "provenance.json"));
    info.put("parent-model", provenance.get("base-model"));
    info.put("data-fingerprint", provenance.get("data-fingerprint"));
    info.put("data-train-uri", provenance.get("data-train-uri"));
    info.put("git-sha", provenance.get("git-sha"));
    Path config = new Path(run, "config.conf");
    info.put("config-sha256", HadoopFiles.exists(config) ? io.sparktune.io.Sha256.hex(HadoopFiles.readBytes(config, "run config")) : null);
    info.put("metrics", readJson(new Path(run, "metrics.json")).get("final"));
    info.putAll(lineage);
    info.put("files", files);
    Json.writeFile(new Path(dir, VERSION_FILE), info);
    return new Version(name, number, dir, info);
  }

  /** The complete versions of {@code name}, oldest first. */
  public List<Version> versions(String name) {
    List<Version> out = new ArrayList<>();
    for (FileStatus s : HadoopFiles.list(new Path(HadoopFiles.path(root), name + "/versions"))) {
      if (s.isDirectory() && s.getPath().getName().matches("\\d+")) {
        int n = Integer.parseInt(s.getPath().getName());
        version(name, n).ifPresent(out::add);
      }
    }
    out.sort(Comparator.comparingInt(Version::number));
    return out;
  }

  /** Version {@code number} if it is complete and its files match its version.json. */
  public Optional<Version> version(String name, int number) {
    Path dir = versionDir(name, number);
    Path vf = new Path(dir, VERSION_FILE);
    if (!HadoopFiles.exists(vf)) {
      return Optional.empty();
    }
    Map<String, Object> info = readJson(vf);
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> files = (Map<String, Map<String, Object>>) info.get("files");
    for (Map.Entry<String, Map<String, Object>> f : files.entrySet()) {
      Path p = new Path(dir, f.getKey());
      if (!HadoopFiles.exists(p)) {
        return Optional.empty();
      }
      byte[] bytes;
      try {
        bytes = HadoopFiles.readBytes(p, "registered file");
      } catch (RuntimeException e) {
        return Optional.empty(); // unreadable (e.g. the filesystem's own checksum failed): not a version
      }
      if (((Number) f.getValue().get("bytes")).longValue() != bytes.length || !io.sparktune.io.Sha256.hex(bytes).equals(f.getValue().get("sha256"))) {
        return Optional.empty();
      }
    }
    return Optional.of(new Version(name, number, dir, info));
  }

  /** The version an alias names now, if the alias exists. */
  public Optional<Version> alias(String name, String alias) {
    List<AliasMove> h = history(name, alias);
    if (h.isEmpty()) {
      return Optional.empty();
    }
    return version(name, h.get(h.size() - 1).version());
  }

  /** Every move of an alias, oldest first. */
  public List<AliasMove> history(String name, String alias) {
    List<AliasMove> moves = new ArrayList<>();
    for (FileStatus s : HadoopFiles.list(aliasDir(name, alias))) {
      String file = s.getPath().getName();
      if (file.matches("\\d+\\.json")) {
        Map<String, Object> m = readJson(s.getPath());
        moves.add(new AliasMove(Integer.parseInt(file.substring(0, file.length() - 5)),
            ((Number) m.get("version")).intValue(), (String) m.get("moved-at"), (String) m.get("reason")));
      }
    }
    moves.sort(Comparator.comparingInt(AliasMove::sequence));
    return moves;
  }

  /** Names of the aliases of {@code name}. */
  public List<String> aliases(String name) {
    List<String> out = new ArrayList<>();
    for (FileStatus s : HadoopFiles.list(new Path(HadoopFiles.path(root), name + "/aliases"))) {
      if (s.isDirectory()) {
        out.add(s.getPath().getName());
      }
    }
    out.sort(null);
    return out;
  }

  /** Points {@code alias} at {@code version}: one new, never rewritten file. */
  public AliasMove move(String name, String alias, int version, String reason) {
    checkName(alias);
    if (version(name, version).isEmpty()) {
      throw new BadInputException("Model '" + name + "' has no complete version " + version + " in " + root
          + "; its versions are " + versions(name).stream().map(Version::number).toList() + ".");
    }
    List<AliasMove> h = history(name, alias);
    int next = h.isEmpty() ? 1 : h.get(h.size() - 1).sequence() + 1;
    Path file = new Path(aliasDir(name, alias), String.format("%06d.json", next));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", version);
    m.put("moved-at", Instant.now().toString());
    m.put("reason", reason);
    try {
      HadoopFiles.createNew(file, Json.write(m));
    } catch (FileAlreadyExistsException e) {
      throw new BadInputException("Alias '" + alias + "' of '" + name + "' was moved by someone else at the same "
          + "time; look at 'sparktune registry show' and try again.", e);
    }
    return new AliasMove(next, version, (String) m.get("moved-at"), reason);
  }

  /** Moves {@code alias} back to the version it named before its current one. */
  public AliasMove rollback(String name, String alias, String reason) {
    List<AliasMove> h = history(name, alias);
    if (h.isEmpty()) {
      throw new BadInputException("Model '" + name + "' has no alias '" + alias + "' to roll back; its aliases are "
          + aliases(name) + ".");
    }
    int current = h.get(h.size() - 1).version();
    for (int i = h.size() - 2; i >= 0; i--) {
      if (h.get(i).version() != current && version(name, h.get(i).version()).isPresent()) {
        return move(name, alias, h.get(i).version(), reason);
      }
    }
    throw new BadInputException("Alias '" + alias + "' of '" + name + "' has never named another version than "
        + current + "; there is nothing to roll back to.");
  }

  /** The version registered from run directory {@code runUri}, if any (a retrain resumed after registering). */
  public Optional<Version> registeredFrom(String name, String runUri) {
    String run = HadoopFiles.path(runUri).toString();
    // reads each version.json only; the files of the one that matches are verified by version()
    for (FileStatus st : HadoopFiles.list(new Path(HadoopFiles.path(root), name + "/versions"))) {
      String n = st.getPath().getName();
      if (st.isDirectory() && n.matches("\\d+")
          && run.equals(readJson(new Path(st.getPath(), VERSION_FILE)).get("source-run"))) {
        return version(name, Integer.parseInt(n));
      }
    }
    return Optional.empty();
  }

  /** Where retraining of {@code name} keeps its lock and its decisions. */
  public String retrainUri(String name) {
    checkName(name);
    return new Path(HadoopFiles.path(root), name + "/retrain").toString();
  }

  /** Appends one retrain decision to {@code name}'s journal (RETRAIN/runs/NNNNNN.json, never rewritten). */
  public int recordRetrain(String name, Map<String, Object> record) {
    Path runs = new Path(retrainUri(name), "runs");
    int next = retrainRecords(name).size() + 1;
    for (int attempt = 0; attempt < 100; attempt++, next++) {
      Path file = new Path(runs, String.format("%06d.json", next));
      try {
        HadoopFiles.createNew(file, Json.write(record));
        return next;
      } catch (FileAlreadyExistsException e) {
        // a record of a concurrent writer: take the next number
      }
    }
    throw new IllegalStateException("Could not append a retrain record for " + name);
  }

  /** The retrain decisions recorded for {@code name}, oldest first. */
  public List<Map<String, Object>> retrainRecords(String name) {
    List<FileStatus> files = new ArrayList<>(HadoopFiles.list(new Path(retrainUri(name), "runs")));
    files.removeIf(s -> !s.getPath().getName().matches("\\d+\\.json"));
    files.sort(Comparator.comparing(s -> s.getPath().getName()));
    List<Map<String, Object>> out = new ArrayList<>();
    for (FileStatus s : files) {
      out.add(readJson(s.getPath()));
    }
    return out;
  }

  /** Claims the next version number by creating its directory's claim file without overwrite. */
  private int claimNextVersion(String name) {
    int next = 1;
    for (FileStatus s : HadoopFiles.list(new Path(HadoopFiles.path(root), name + "/versions"))) {
      if (s.getPath().getName().matches("\\d+")) {
        next = Math.max(next, Integer.parseInt(s.getPath().getName()) + 1);
      }
    }
    for (int attempt = 0; attempt < 100; attempt++, next++) {
      Path claim = new Path(versionDir(name, next), "_CLAIM");
      try {
        HadoopFiles.createNew(claim, Instant.now().toString());
        return next;
      } catch (FileAlreadyExistsException e) {
        // taken by a concurrent registration: try the next number
      }
    }
    throw new IllegalStateException("Could not claim a version number for " + name);
  }

  private Path versionDir(String name, int number) {
    return new Path(HadoopFiles.path(root), String.format("%s/versions/%06d", name, number));
  }

  private Path aliasDir(String name, String alias) {
    return new Path(HadoopFiles.path(root), name + "/aliases/" + alias);
  }

  private static void checkName(String name) {
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      throw new BadInputException("'" + name + "' is not a valid registry name: use letters, digits, '.', '_' and "
          + "'-', starting with a letter or digit.");
    }
  }

  private static Map<String, Object> readJson(Path p) {
    return HadoopFiles.exists(p) ? Json.readMap(HadoopFiles.readString(p, "registry file")) : Map.of();
  }
}
