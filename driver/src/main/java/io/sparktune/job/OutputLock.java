package io.sparktune.job;

import io.sparktune.BadInputException;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.io.HadoopFiles;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/**
 * One writer per output directory, and no output over an input: every command that writes an output
 * (finetune, sweep, evaluate, compare, cv, drift, inspect) takes this lock before any work and refuses an
 * output that overlaps what it reads.
 *
 * <p>Why it exists: two runs on one output used to both exit 0 and leave one {@code _COMPLETE} over a mixture
 * of both; an output inside the data folder, or a run directory given as both model and output, was written
 * into (or, with --overwrite, deleted) before anything noticed.
 *
 * <p>The lock is a {@link DirectoryLock} beside the output ({@code PARENT/.NAME.sparktune-lock}, so that
 * clearing, cleaning or completing the output never touches it), with a heartbeat every
 * {@link #HEARTBEAT}; a holder silent for {@link #STALE_AFTER}, or one on this host that no longer runs, is
 * taken over. A second writer is refused with exit code 3, naming the holder. The lock is removed when its
 * holder lets go.
 */
public final class OutputLock implements AutoCloseable {
  static final Duration HEARTBEAT = Duration.ofSeconds(10);
  static final Duration STALE_AFTER = Duration.ofSeconds(90);

  private final DirectoryLock lock;
  private final Path dir;
  private final String output;
  /** The output this process holds now (the CLI names it when a signal stops the run). */
  private static volatile String active;

  private OutputLock(DirectoryLock lock, Path dir, String output) {
    this.lock = lock;
    this.dir = dir;
    this.output = output;
    active = output;
  }

  /** The output whose lock this process holds now, or null. */
  public static String active() {
    return active;
  }

  /**
   * Refuses an output that overlaps an input, then takes the output's lock.
   *
   * @param command the command, for whoever finds the lock held
   * @param more inputs that are not in the settings, by name (compare's --a and --b)
   */
  public static OutputLock take(FineTuneSettings s, String command, Map<String, String> more) {
    String output = s.run().outputUri();
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("model.uri", s.model().uri());
    inputs.put("model.weights-uri", s.model().weightsUri());
    List<String> train = s.data().trainUris();
    for (int i = 0; i < train.size(); i++) {
      inputs.put(train.size() == 1 ? "data.train-uri" : "data.train-uri[" + i + "]", train.get(i));
    }
    inputs.put("data.train-labels-uri", s.data().trainLabelsUri());
    inputs.put("data.validation-uri", s.data().validationUri());
    inputs.put("data.validation-labels-uri", s.data().validationLabelsUri());
    inputs.putAll(more);
    requireApart(output, inputs);
    Path out = qualified(output);
    HadoopFiles.requireWritableDirectory(out, "output directory");
    Path lockDir = new Path(out.getParent() == null ? out : out.getParent(), "." + out.getName() + ".sparktune-lock");
    DirectoryLock lock = DirectoryLock.acquire(lockDir.toString(), "run", command + " writing " + output, HEARTBEAT,
        STALE_AFTER, "the lock's " + STALE_AFTER.toSeconds() + " s without a heartbeat");
    return new OutputLock(lock, lockDir, output);
  }

  /**
   * Refuses (before any work) an output equal to an input, inside one (a data folder would be written into),
   * or holding one (--overwrite or cleaning up a failed run would delete it).
   */
  static void requireApart(String output, Map<String, String> inputs) {
    String out = withSlash(qualified(output));
    for (Map.Entry<String, String> e : inputs.entrySet()) {
      if (e.getValue() == null || e.getValue().isBlank()) {
        continue;
      }
      String in;
      try {
        in = withSlash(qualified(beforeGlob(e.getValue())));
      } catch (RuntimeException notAPath) {
        continue; // not a file system path (the job that reads it says what is wrong with it)
      }
      if (out.startsWith(in) || in.startsWith(out)) {
        throw new BadInputException("The output '" + output + "' overlaps the input '" + e.getValue() + "' ("
            + e.getKey() + "): " + (out.equals(in) ? "they are the same place" : out.startsWith(in)
                ? "the output would be written inside it" : "the input is inside the output, which a rerun with "
                    + "--overwrite or the clean-up of a failed run deletes")
            + ". Choose an --output outside every input.");
      }
    }
  }

  /** The part of a URI before its first glob character, up to the last separator before it. */
  private static String beforeGlob(String uri) {
    int glob = -1;
    for (char c : new char[] {'*', '?', '[', '{'}) {
      int i = uri.indexOf(c);
      glob = i >= 0 && (glob < 0 || i < glob) ? i : glob;
    }
    if (glob < 0) {
      return uri;
    }
    int slash = uri.lastIndexOf('/', glob);
    return slash > 0 ? uri.substring(0, slash) : uri;
  }

  /** The URI fully qualified, without a trailing slash (an existing local directory's URI has one). */
  private static Path qualified(String uri) {
    Path p = HadoopFiles.path(uri);
    String q = HadoopFiles.fs(p).makeQualified(p).toString();
    return new Path(q.length() > 1 && q.endsWith("/") && !q.endsWith(":/") && !q.endsWith("//")
        ? q.substring(0, q.length() - 1) : q);
  }

  private static String withSlash(Path p) {
    String s = p.toString();
    return s.endsWith("/") ? s : s + "/";
  }

  /** Lets the lock go and removes it. */
  @Override
  public void close() {
    if (output.equals(active)) {
      active = null;
    }
    if (lock.held()) {
      lock.close();
      try {
        HadoopFiles.delete(dir);
      } catch (RuntimeException e) {
        // released anyway; the next taker finds it released
      }
    } else {
      lock.close();
    }
  }

  /** The lock directory (tests). */
  Path directory() {
    return dir;
  }
}
