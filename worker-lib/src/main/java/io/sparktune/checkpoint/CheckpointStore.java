package io.sparktune.checkpoint;

import io.sparktune.io.HadoopFiles;
import io.sparktune.io.Json;
import io.sparktune.model.Network;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints on any Hadoop FileSystem, committed without relying on rename.
 *
 * <p>Each checkpoint is a directory {@code epoch-NNNNN/} holding {@code model.zip} (parameters,
 * updater state and normaliser) and, written last, {@code manifest.json} with the training state and
 * each file's size and SHA-256. A checkpoint without a manifest, or whose files do not match it, is
 * incomplete and is never loaded: a crash at any point while saving leaves the previous checkpoint as
 * the newest loadable one.
 */
public final class CheckpointStore {
  private static final Logger log = LoggerFactory.getLogger(CheckpointStore.class);
  public static final String MANIFEST = "manifest.json";
  public static final String MODEL = "model.zip";
  private static final String PREFIX = "epoch-";

  private final String baseUri;
  private final int keep;

  /**
   * @param baseUri directory holding the checkpoints
   * @param keep how many complete checkpoints to keep (older ones are deleted after a save); at least 1
   */
  public CheckpointStore(String baseUri, int keep) {
    this.baseUri = baseUri;
    this.keep = Math.max(1, keep);
  }

  /** A loaded checkpoint: the network with its updater state, its normaliser and its manifest. */
  public record Loaded(Network network, DataNormalization normalizer, Map<String, Object> manifest, Path dir) {
    public int epoch() {
      return ((Number) manifest.get("epoch")).intValue();
    }
  }

  /** Saves a checkpoint; {@code state} (epoch, step, metrics, config, …) goes into the manifest. */
  public Path save(int epoch, Network net, DataNormalization normalizer, Map<String, Object> state) {
    Path dir = HadoopFiles.child(baseUri, String.format("%s%05d", PREFIX, epoch));
    if (HadoopFiles.exists(dir)) {
      HadoopFiles.delete(dir);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 20);
    net.save(bytes, true, normalizer);
    byte[] model = bytes.toByteArray();
    try {
      try (OutputStream out = HadoopFiles.create(new Path(dir, MODEL))) {
        out.write(model);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot write checkpoint " + dir + ": " + e.getMessage(), e);
      }
      Map<String, Object> manifest = new LinkedHashMap<>();
      manifest.put("format-version", 1);
      manifest.put("epoch", epoch);
      manifest.putAll(state);
      manifest.put("files", Map.of(MODEL, Map.of("bytes", model.length, "sha256", io.sparktune.io.Sha256.hex(model))));
      Json.writePrivateFile(new Path(dir, MANIFEST), manifest);
    } catch (RuntimeException | Error e) { // Hadoop's local file system reports a full disk as FSError
      discardPartial(dir, e);
      throw e;
    }
    log.info("Checkpoint saved: {} ({} MB)", dir, String.format("%.1f", model.length / 1e6));
    prune();
    return dir;
  }

  /**
   * A save that failed leaves no partial directory behind (it would never load: the manifest is written last,
   * but it costs space and confuses a reader); best effort, since the cause may be the file system itself.
   */
  private static void discardPartial(Path dir, Throwable cause) {
    try {
      HadoopFiles.delete(dir);
    } catch (RuntimeException | Error e) {
      cause.addSuppressed(e);
    }
  }

  /** The newest complete, verified checkpoint, if any; broken ones are skipped with a warning. */
  public Optional<Loaded> loadLatest() {
    for (Path dir : candidates()) {
      try {
        return Optional.of(load(dir));
      } catch (RuntimeException | IOException e) {
        log.warn("Skipping checkpoint {}: {}", dir, e.getMessage());
      }
    }
    return Optional.empty();
  }

  /** Loads one checkpoint directory, verifying every file against the manifest first. */
  public Loaded load(Path dir) throws IOException {
    Path manifestPath = new Path(dir, MANIFEST);
    if (!HadoopFiles.exists(manifestPath)) {
      throw new IOException("it has no manifest (the save did not complete)");
    }
    Map<String, Object> manifest = Json.readMap(HadoopFiles.readString(manifestPath, "checkpoint manifest"));
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> files = (Map<String, Map<String, Object>>) manifest.get("files");
    if (files == null || !files.containsKey(MODEL)) {
      throw new IOException("its manifest lists no model file");
    }
    byte[] model = HadoopFiles.readBytes(new Path(dir, MODEL), "checkpoint model");
    Map<String, Object> expected = files.get(MODEL);
    if (((Number) expected.get("bytes")).longValue() != model.length || !io.sparktune.io.Sha256.hex(model).equals(expected.get("sha256"))) {
      throw new IOException("model.zip does not match the manifest (size or SHA-256 differs): it is corrupt");
    }
    Network net = Network.restore(model, true);
    DataNormalization normalizer = Network.restoreNormalizer(new ByteArrayInputStream(model));
    return new Loaded(net, normalizer, manifest, dir);
  }

  /** Whether any checkpoint got as far as its manifest (the commit), i.e. a resume has something to load. */
  public boolean hasCommitted() {
    return candidates().stream().anyMatch(d -> HadoopFiles.exists(new Path(d, MANIFEST)));
  }

  /** Checkpoint directories, newest first. */
  public List<Path> candidates() {
    List<Path> dirs = new ArrayList<>();
    for (FileStatus s : HadoopFiles.list(HadoopFiles.path(baseUri))) {
      if (s.isDirectory() && s.getPath().getName().startsWith(PREFIX)) {
        dirs.add(s.getPath());
      }
    }
    dirs.sort(Comparator.comparing((Path p) -> p.getName()).reversed());
    return dirs;
  }

  private void prune() {
    int complete = 0;
    for (Path dir : candidates()) {
      if (HadoopFiles.exists(new Path(dir, MANIFEST))) {
        complete++;
        if (complete > keep) {
          HadoopFiles.delete(dir);
        }
      }
    }
  }
}
