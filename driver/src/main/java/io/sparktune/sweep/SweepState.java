package io.sparktune.sweep;

import io.sparktune.io.HadoopFiles;
import io.sparktune.io.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every trial of a sweep and the budget used, saved on any Hadoop URI after every change of a trial
 * (epoch, rung, end). Each save writes a new numbered file, never overwriting one (no rename needed:
 * object stores have none), and keeps the newest few; loading takes the newest file that parses, so a
 * sweep killed while saving resumes from the previous complete state.
 */
public final class SweepState {
  private static final Logger log = LoggerFactory.getLogger(SweepState.class);
  private static final String PREFIX = "sweep-state-";
  private static final int KEEP = 3;

  private final String dir;
  private final List<Trial> trials = new ArrayList<>();
  private long saves;

  private SweepState(String dir) {
    this.dir = dir;
  }

  /** The newest complete state under {@code dir}, or an empty one. */
  public static SweepState load(String dir) {
    SweepState s = new SweepState(dir);
    Path p = HadoopFiles.path(dir);
    if (!HadoopFiles.exists(p)) {
      return s;
    }
    List<FileStatus> files = new ArrayList<>(HadoopFiles.list(p).stream()
        .filter(f -> f.getPath().getName().startsWith(PREFIX)).toList());
    files.sort((a, b) -> Long.compare(number(b), number(a)));
    for (FileStatus f : files) {
      try {
        Map<String, Object> m = Json.readMap(HadoopFiles.readString(f.getPath(), "sweep state"));
        s.fromMap(m);
        s.saves = number(f);
        log.info("Sweep state loaded from {} ({} trials).", f.getPath(), s.trials.size());
        return s;
      } catch (RuntimeException e) {
        log.warn("Skipping the unreadable sweep state {} ({}); trying an older one.", f.getPath(), e.getMessage());
      }
    }
    return s;
  }

  private static long number(FileStatus f) {
    String n = f.getPath().getName();
    try {
      return Long.parseLong(n.substring(PREFIX.length(), n.length() - ".json".length()));
    } catch (RuntimeException e) {
      return -1;
    }
  }

  @SuppressWarnings("unchecked")
  private void fromMap(Map<String, Object> m) {
    trials.clear();
    for (Object t : (List<Object>) m.get("trials")) {
      trials.add(Trial.fromMap((Map<String, Object>) t));
    }
  }

  public synchronized List<Trial> trials() {
    return List.copyOf(trials);
  }

  synchronized Trial add(Map<String, Object> values) {
    Trial t = new Trial(trials.size(), values);
    trials.add(t);
    return t;
  }

  /** Epochs trained by all trials together. */
  public synchronized long totalEpochs() {
    return trials.stream().mapToLong(Trial::epochs).sum();
  }

  /** Writes the state as a new numbered file and deletes all but the newest few. */
  public synchronized void save() {
    saves++;
    Map<String, Object> m = toMap();
    Json.writeFile(HadoopFiles.child(dir, String.format("%s%08d.json", PREFIX, saves)), m);
    long oldest = saves - KEEP;
    if (oldest >= 1) {
      Path old = HadoopFiles.child(dir, String.format("%s%08d.json", PREFIX, oldest));
      if (HadoopFiles.exists(old)) {
        HadoopFiles.delete(old);
      }
    }
  }

  synchronized Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("trials", trials.stream().map(Trial::toMap).toList());
    m.put("total-epochs", totalEpochs());
    return m;
  }

  /** The finished trials' values and scores, in trial order (what the search algorithm learns from). */
  synchronized List<SearchAlgorithm.Observation> observations() {
    List<SearchAlgorithm.Observation> out = new ArrayList<>();
    for (Trial t : trials) {
      if (t.status != Trial.Status.RUNNING) {
        out.add(new SearchAlgorithm.Observation(t.values, t.score()));
      }
    }
    return out;
  }
}
