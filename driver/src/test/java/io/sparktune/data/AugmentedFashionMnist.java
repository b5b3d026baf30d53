package io.sparktune.data;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A large image data set made from the repository's real Fashion-MNIST images by augmentation, as CSV
 * shards the way a Spark job writes them ({@code part-NNNNN.csv}, header {@code label,p0..p783}, the label a class name): every
 * image once as it is and {@code copies - 1} more times shifted by up to 2 pixels in each direction and
 * mirrored left-right with probability 1/2 (Fashion-MNIST's classes keep their label under both).
 */
public final class AugmentedFashionMnist {
  public static final Path IMAGES = Path.of("src-test-data/fashion-mnist/train-images-idx3-ubyte.gz");
  public static final Path LABELS = Path.of("src-test-data/fashion-mnist/train-labels-idx1-ubyte.gz");
  public static final Path TEST_IMAGES = Path.of("src-test-data/fashion-mnist/t10k-images-idx3-ubyte.gz");
  public static final Path TEST_LABELS = Path.of("src-test-data/fashion-mnist/t10k-labels-idx1-ubyte.gz");

  /** The class names of labels 0..9, as conf/examples/quickstart.conf lists them. */
  public static final String[] CLASSES = {"t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
      "sneaker", "bag", "ankle-boot"};

  private AugmentedFashionMnist() {}

  /** Writes {@code copies} × 6,000 training examples into {@code shards} CSV files under {@code dir}. */
  public static long writeTraining(Path dir, int copies, int shards, long seed) throws IOException {
    IdxFiles.Idx images = read(IMAGES);
    IdxFiles.Idx labels = read(LABELS);
    Files.createDirectories(dir);
    int n = images.count();
    long total = (long) n * copies;
    SplittableRandom rnd = new SplittableRandom(seed);
    long written = 0;
    for (int shard = 0; shard < shards; shard++) {
      long end = total * (shard + 1) / shards;
      try (BufferedWriter w = Files.newBufferedWriter(dir.resolve(String.format("part-%05d.csv", shard)),
          StandardCharsets.US_ASCII)) {
        header(w, images.itemSize());
        for (; written < end; written++) {
          int i = (int) (written % n);
          boolean original = written < n;
          int dx = original ? 0 : rnd.nextInt(-2, 3);
          int dy = original ? 0 : rnd.nextInt(-2, 3);
          boolean mirror = !original && rnd.nextBoolean();
          row(w, labels.data()[i] & 0xFF, images.data(), i * images.itemSize(), dx, dy, mirror);
        }
      }
    }
    Files.writeString(dir.resolve("_SUCCESS"), "");
    return written;
  }

  /** The first {@code count} test images as they are, as one CSV file (validation data). */
  public static void writeTest(Path file, int count) throws IOException {
    IdxFiles.Idx images = read(TEST_IMAGES);
    IdxFiles.Idx labels = read(TEST_LABELS);
    Files.createDirectories(file.getParent());
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
      header(w, images.itemSize());
      for (int i = 0; i < Math.min(count, images.count()); i++) {
        row(w, labels.data()[i] & 0xFF, images.data(), i * images.itemSize(), 0, 0, false);
      }
    }
  }

  private static void header(BufferedWriter w, int pixels) throws IOException {
    w.write("label");
    for (int p = 0; p < pixels; p++) {
      w.write(",p" + p);
    }
    w.newLine();
  }

  private static void row(BufferedWriter w, int label, byte[] data, int base, int dx, int dy, boolean mirror)
      throws IOException {
    StringBuilder sb = new StringBuilder(4 * 28 * 28).append(CLASSES[label]);
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        int sx = (mirror ? 27 - x : x) - dx;
        int sy = y - dy;
        int v = sx < 0 || sx > 27 || sy < 0 || sy > 27 ? 0 : data[base + sy * 28 + sx] & 0xFF;
        sb.append(',').append(v);
      }
    }
    w.write(sb.toString());
    w.newLine();
  }

  private static IdxFiles.Idx read(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      return IdxFiles.read(in, p.toString());
    }
  }
}
