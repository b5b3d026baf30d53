package io.sparktune.data;

/** Seeded, stable hashing of example origins: the train/validation split and per-epoch shuffles. */
public final class Splits {
  private Splits() {}

  /** SplitMix64's finaliser: a good 64-bit mix. */
  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * A hash of an origin under a seed; String.hashCode's arithmetic is specified, so it is stable across
   * JVMs. Only the origin's file name and position count (see {@link #locationFree}): the split, folds and
   * shuffles of a data set do not change when it is copied, checked out elsewhere or read from HDFS instead.
   */
  public static long hash(long seed, String origin) {
    String key = locationFree(origin);
    long h = seed;
    for (int i = 0; i < key.length(); i++) {
      h = h * 31 + key.charAt(i);
    }
    return mix(h ^ mix(seed));
  }

  /**
   * An origin without where its data lies: "file:/a/b/iris.csv:12" and "hdfs://nn/x/iris.csv:12" both
   * become "iris.csv:12"; origins without a path ("train-images.gz#5") stay as they are. Files of one data
   * set with the same name in different folders (day=01/part-0.csv, day=02/part-0.csv) then share keys
   * line by line, which only correlates their splits.
   */
  static String locationFree(String origin) {
    return origin.substring(origin.lastIndexOf('/') + 1);
  }

  /** A uniform double in [0, 1) derived from the hash. */
  public static double unit(long seed, String origin) {
    return (hash(seed, origin) >>> 11) * 0x1.0p-53;
  }
}
