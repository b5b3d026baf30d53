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

  /** A hash of an origin string under a seed; String.hashCode is specified, so it is stable across JVMs. */
  public static long hash(long seed, String origin) {
    long h = seed;
    for (int i = 0; i < origin.length(); i++) {
      h = h * 31 + origin.charAt(i);
    }
    return mix(h ^ mix(seed));
  }

  /** A uniform double in [0, 1) derived from the hash. */
  public static double unit(long seed, String origin) {
    return (hash(seed, origin) >>> 11) * 0x1.0p-53;
  }
}
