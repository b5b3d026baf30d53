package io.sparktune.data;

import io.sparktune.io.HadoopFiles;
import io.sparktune.io.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds byte-identical files among the training data (an export written twice, a copy left beside the
 * original): their rows count twice, and with a random split copies of one row land in both training and
 * validation, which flatters validation. Files are compared by size first and hashed only when sizes agree,
 * within a budget of bytes read on the driver; the result is a warning, not a refusal (a copy may be meant).
 */
final class DuplicateFiles {
  private static final Logger log = LoggerFactory.getLogger(DuplicateFiles.class);
  /** Files listed at most, and bytes hashed at most, before the check gives up (with a debug line). */
  static final int MAX_FILES = 10_000;
  static final long MAX_BYTES = 2L << 30;

  private DuplicateFiles() {}

  /** Groups of identical files (two or more each) under the URIs: files, directories or globs. */
  static List<List<Path>> find(List<String> uris) throws IOException {
    Map<Long, List<Path>> bySize = new LinkedHashMap<>();
    int listed = 0;
    for (String uri : uris) {
      for (FileStatus f : files(uri)) {
        if (++listed > MAX_FILES) {
          log.debug("More than {} data files: not checked for copies.", MAX_FILES);
          return List.of();
        }
        bySize.computeIfAbsent(f.getLen(), k -> new ArrayList<>()).add(f.getPath());
      }
    }
    List<List<Path>> groups = new ArrayList<>();
    long budget = MAX_BYTES;
    for (Map.Entry<Long, List<Path>> e : bySize.entrySet()) {
      if (e.getValue().size() < 2 || e.getKey() == 0) {
        continue;
      }
      budget -= e.getKey() * e.getValue().size();
      if (budget < 0) {
        log.debug("Data files too large to hash on the driver: not all checked for copies.");
        break;
      }
      Map<String, List<Path>> byHash = new LinkedHashMap<>();
      for (Path p : e.getValue()) {
        try (InputStream in = HadoopFiles.open(p, "data file")) {
          byHash.computeIfAbsent(Sha256.hex(in), k -> new ArrayList<>()).add(p);
        }
      }
      byHash.values().stream().filter(g -> g.size() > 1).forEach(groups::add);
    }
    return groups;
  }

  /** Warns about each group of identical files; never fails the run (a listing problem is the readers' to tell). */
  static void warnIfAny(List<String> uris) {
    try {
      for (List<Path> g : find(uris)) {
        log.warn("The training data holds {} identical files: {}. Their rows count {} times, and with a random "
            + "validation split copies of one row land in both training and validation; remove the copies unless "
            + "they are meant.", g.size(), g, g.size());
      }
    } catch (IOException | RuntimeException e) {
      log.debug("Could not check the data files for copies: {}", e.getMessage());
    }
  }

  private static List<FileStatus> files(String uri) throws IOException {
    Path p = HadoopFiles.path(uri);
    FileSystem fs = HadoopFiles.fs(p);
    List<FileStatus> out = new ArrayList<>();
    FileStatus[] matched = fs.globStatus(p);
    if (matched == null) {
      return out;
    }
    for (FileStatus m : matched) {
      if (m.isFile()) {
        out.add(m);
        continue;
      }
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(m.getPath(), true);
      while (it.hasNext()) {
        LocatedFileStatus f = it.next();
        String name = f.getPath().getName();
        if (!name.startsWith(".") && !name.startsWith("_")) {
          out.add(f);
        }
      }
    }
    return out;
  }
}
