package io.sparktune.job;

import io.sparktune.BadInputException;
import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.io.HadoopFiles;
import io.sparktune.io.Json;
import io.sparktune.model.Network;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.serializer.NormalizerSerializer;

/**
 * The output directory of a run (any Hadoop URI). A run is finished only when {@code _COMPLETE} exists,
 * written last; a directory holding a finished run is never overwritten unless asked to.
 */
public final class RunDirectory {
  public static final String COMPLETE = "_COMPLETE";
  public static final String MODEL = "model.zip";
  public static final String MODEL_INFO = "model-info.json";
  /** The unmerged LoRA network (the merged one is model.zip), for training further. */
  public static final String LORA_MODEL = "model-lora.zip";

  private final String uri;

  public RunDirectory(String uri) {
    this.uri = uri;
  }

  public String uri() {
    return uri;
  }

  public Path file(String name) {
    return HadoopFiles.child(uri, name);
  }

  public boolean isComplete() {
    return HadoopFiles.exists(file(COMPLETE));
  }

  /** Refuses a directory that holds a finished run, unless {@code overwrite}, in which case it is cleared. */
  public void prepare(boolean overwrite, boolean resume) {
    HadoopFiles.requireWritableDirectory(HadoopFiles.path(uri), "output directory");
    if (!isComplete()) {
      return;
    }
    if (resume && !overwrite) {
      throw new BadInputException("The run in '" + uri + "' is already complete; there is nothing to resume. "
          + "Use a new --output, or --overwrite to start again.");
    }
    if (!overwrite) {
      throw new BadInputException("The output directory '" + uri + "' already holds a finished run. "
          + "Choose another --output, or pass --overwrite to replace it.");
    }
    HadoopFiles.delete(HadoopFiles.path(uri));
  }

  /**
   * After a failed run: removes this directory unless it holds a finished run or a complete checkpoint
   * (which --resume continues from), so a failure leaves nothing that looks like output.
   */
  public void discardUnfinished(io.sparktune.checkpoint.CheckpointStore checkpoints) {
    try {
      if (isComplete() || checkpoints.hasCommitted()) {
        return;
      }
      if (HadoopFiles.exists(HadoopFiles.path(uri))) {
        HadoopFiles.delete(HadoopFiles.path(uri));
        org.slf4j.LoggerFactory.getLogger(RunDirectory.class).info(
            "Removed the unfinished output directory {} (nothing in it could be resumed).", uri);
      }
    } catch (RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(RunDirectory.class).warn("Could not remove the unfinished output directory "
          + "{}: {}", uri, e.getMessage());
    }
  }

  public void writeConfig(FineTuneSettings s) {
    HadoopFiles.writePrivateString(file("config.conf"), ConfigLoader.render(s.resolved()));
  }

  public void writeModel(Network net, DataNormalization normalizer, Map<String, Object> modelInfo) {
    writeModel(net, MODEL, normalizer);
    if (normalizer != null) {
      try (OutputStream out = HadoopFiles.create(file("normalizer.bin"))) {
        NormalizerSerializer.getDefault().write(normalizer, out);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Json.writeFile(file(MODEL_INFO), modelInfo);
  }

  /** Writes a network (with the normaliser, without updater state) as {@code name}. */
  public void writeModel(Network net, String name, DataNormalization normalizer) {
    try (OutputStream out = HadoopFiles.create(file(name))) {
      net.save(out, false, normalizer);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The text model's vocabulary, beside model.zip, where {@code TextModel.stored} finds it. */
  public void writeVocabulary(io.sparktune.text.Vocabulary vocabulary) {
    HadoopFiles.writeString(file(io.sparktune.data.TextModel.VOCABULARY_FILE), vocabulary.format());
  }

  public void writeJson(String name, Object value) {
    Json.writeFile(file(name), value);
  }

  /** provenance.json (it records the configuration): owner-only. */
  public void writeProvenance(Map<String, Object> provenance) {
    Json.writePrivateFile(file("provenance.json"), provenance);
  }

  public void markComplete() {
    HadoopFiles.writeString(file(COMPLETE), java.time.Instant.now() + "\n");
  }
}
