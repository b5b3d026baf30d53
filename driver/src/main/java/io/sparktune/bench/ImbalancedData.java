package io.sparktune.bench;

import io.sparktune.config.DataSettings;
import io.sparktune.data.IdxFiles;
import io.sparktune.io.HadoopFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An imbalanced training set cut from a real balanced one (IDX): every example of the majority classes
 * and the first {@code fraction} of each minority class, written as gzipped IDX for the runs to read.
 * Validation stays the balanced original, so per-class recall shows what the minority classes lose.
 */
final class ImbalancedData {
  /** The minority classes: every other class (Fashion-MNIST: trouser, dress, sandal, sneaker, ankle boot). */
  static final List<Integer> MINORITY = List.of(1, 3, 5, 7, 9);
  static final double FRACTION = 0.05;

  private ImbalancedData() {}

  /** Writes the imbalanced copy under {@code work} and returns the settings that make a run train on it. */
  static List<String> write(DataSettings d, Path work) throws IOException {
    IdxFiles.Idx images = read(d.trainUri());
    IdxFiles.Idx labels = read(d.trainLabelsUri());
    int[] perClass = new int[256];
    for (byte b : labels.data()) {
      perClass[b & 0xFF]++;
    }
    int[] seen = new int[256];
    List<Integer> keep = new ArrayList<>();
    for (int i = 0; i < labels.count(); i++) {
      int c = labels.data()[i] & 0xFF;
      if (!MINORITY.contains(c) || seen[c] < Math.ceil(FRACTION * perClass[c])) {
        keep.add(i);
      }
      seen[c]++;
    }
    int[] idx = keep.stream().mapToInt(Integer::intValue).toArray();
    Path img = work.resolve("imbalanced-images-idx3-ubyte.gz");
    Path lab = work.resolve("imbalanced-labels-idx1-ubyte.gz");
    try (OutputStream out = Files.newOutputStream(img)) {
      IdxFiles.write(IdxFiles.select(images, idx), out, true);
    }
    try (OutputStream out = Files.newOutputStream(lab)) {
      IdxFiles.write(IdxFiles.select(labels, idx), out, true);
    }
    return List.of("data.train-uri=\"" + img + "\"", "data.train-labels-uri=\"" + lab + "\"");
  }

  private static IdxFiles.Idx read(String uri) throws IOException {
    try (InputStream in = HadoopFiles.open(HadoopFiles.path(uri), "IDX file")) {
      return IdxFiles.read(in, uri);
    }
  }
}
