package org.nd4j.nativeblas;

import io.sparktune.compute.FastKernels;

/**
 * The class DL4J M2's oneDNN helpers look up by name and that ND4J M2 no longer has (it moved and renamed its
 * method): without it every oneDNN helper refuses itself. Answers with {@link FastKernels#oneDnnActive()}; see
 * {@link FastKernels} for the whole story. Nothing else uses it.
 */
public final class Nd4jCpu {
  private Nd4jCpu() {}

  /** Looked up as {@code org.nd4j.nativeblas.Nd4jCpu$Environment} by {@code BaseMKLDNNHelper.mklDnnEnabled()}. */
  public static final class Environment {
    private static final Environment INSTANCE = new Environment();

    private Environment() {}

    public static Environment getInstance() {
      return INSTANCE;
    }

    /** Whether oneDNN runs ND4J's operations in this JVM (DL4J asks before creating a oneDNN helper). */
    public boolean isUseMKLDNN() {
      return FastKernels.oneDnnActive();
    }
  }
}
