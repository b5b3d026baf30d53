package io.sparktune.retrain;

import io.sparktune.BadInputException;
import io.sparktune.io.HadoopFiles;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * The units of data under an incoming directory: each visible entry directly under it (a file, or a
 * partition directory) is one unit, identified by its name and described by its size and newest
 * modification time, so a unit that changes after it was used counts as new again.
 */
final class IncomingData {
  private IncomingData() {}

  /** One unit: its name under the incoming directory, full URI, total bytes and newest modification (ms). */
  record Unit(String name, String uri, long bytes, long modified) {
    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", name);
      m.put("bytes", bytes);
      m.put("modified", modified);
      return m;
    }

    boolean sameAs(Map<String, Object> seen) {
      return name.equals(seen.get("name")) && seen.get("bytes") instanceof Number b && b.longValue() == bytes
          && seen.get("modified") instanceof Number m && m.longValue() == modified;
    }
  }

  /**
   * The ready units under {@code incomingUri}, sorted by name.
   *
   * @param readyMarker a partition directory counts only once it holds this file ("" = always)
   */
  static List<Unit> list(String incomingUri, String readyMarker) {
    Path root = HadoopFiles.path(incomingUri);
    if (!HadoopFiles.exists(root)) {
      throw new BadInputException("retrain.incoming-uri '" + incomingUri + "' does not exist; create it (new data "
          + "arrives there as files or partition directories).");
    }
    List<Unit> units = new ArrayList<>();
    for (FileStatus s : HadoopFiles.list(root)) {
      String name = s.getPath().getName();
      if (name.startsWith(".") || name.startsWith("_")) {
        continue;
      }
      if (!s.isDirectory()) {
        units.add(new Unit(name, s.getPath().toString(), s.getLen(), s.getModificationTime()));
      } else if (readyMarker.isEmpty() || HadoopFiles.exists(new Path(s.getPath(), readyMarker))) {
        units.add(directory(name, s.getPath()));
      }
    }
    units.sort(java.util.Comparator.comparing(Unit::name));
    return units;
  }

  private static Unit directory(String name, Path dir) {
    long bytes = 0;
    long modified = 0;
    try {
      FileSystem fs = HadoopFiles.fs(dir);
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
      while (it.hasNext()) {
        LocatedFileStatus f = it.next();
        bytes += f.getLen();
        modified = Math.max(modified, f.getModificationTime());
      }
    } catch (IOException e) {
      throw new BadInputException("Cannot list the incoming partition '" + dir + "': " + e.getMessage(), e);
    }
    return new Unit(name, dir.toString(), bytes, modified);
  }

  /** The units of {@code now} that {@code seen} (a version's data snapshot) does not hold unchanged. */
  static List<Unit> unseen(List<Unit> now, List<Map<String, Object>> seen) {
    List<Unit> out = new ArrayList<>();
    for (Unit u : now) {
      if (seen.stream().noneMatch(u::sameAs)) {
        out.add(u);
      }
    }
    return out;
  }
}
