package io.sparktune.spark;

import io.sparktune.BadInputException;
import io.sparktune.compute.FastKernels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.environment.Nd4jEnvironment;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.factory.Nd4jBackend;

/**
 * The ND4J backend this JVM computes on ("CPU", or "CUDA" in the -Pcuda build), its devices, and a readable
 * reason when the backend cannot start (a CUDA build on a machine without a GPU or driver).
 */
public final class ComputeBackend {
  /** The class ND4J's CUDA backend registers; present only in the -Pcuda build. */
  static final String CUDA_BACKEND_CLASS = "org.nd4j.linalg.jcublas.JCublasBackend";
  /** JavaCPP's preset for the CUDA runtime: loading it names the missing library when the GPU stack is absent. */
  static final String CUDA_RUNTIME_PRESET = "org.bytedeco.cuda.global.cudart";

  private ComputeBackend() {}

  /**
   * Starts ND4J's backend and returns its name; when it cannot start, a BadInputException saying why and what
   * to do ({@code where}: "driver", "executor 3"). Called before anything else touches ND4J, so that the
   * first attempt to load the native libraries is the one whose error is reported. Switches DL4J's layer helpers on
   * for every network built afterwards ({@link FastKernels#enable()}).
   */
  public static String require(String where) {
    FastKernels.enable();
    if (classPresent(CUDA_BACKEND_CLASS)) {
      Optional<String> problem = cudaRuntimeProblem();
      if (problem.isPresent()) {
        throw new BadInputException("The " + where + " cannot compute: " + cudaAdvice(problem.get()));
      }
    }
    try {
      String name = name();
      if (name.equalsIgnoreCase("CUDA")) {
        requireSupportedGpus(where);
      }
      return name;
    } catch (RuntimeException | LinkageError e) {
      if (e instanceof BadInputException bad) {
        throw bad;
      }
      throw new BadInputException("The " + where + " cannot compute: "
          + startFailure(e).orElse("ND4J failed to start: " + rootMessage(e)), e);
    }
  }

  /**
   * The one CUDA build of the M2 line carries machine code for sm_37 to sm_86 and no PTX (README, "GPU
   * executors"): a newer GPU (Hopper, sm_90) starts the backend but fails at the first kernel. Refused here.
   */
  static void requireSupportedGpus(String where) {
    Map<Object, Object> env = Nd4j.getExecutioner().getEnvironmentInformation();
    if (env.get(Nd4jEnvironment.CUDA_DEVICE_INFORMATION_KEY) instanceof List<?> gpus) {
      for (int i = 0; i < gpus.size(); i++) {
        if (gpus.get(i) instanceof Map<?, ?> g && g.get(Nd4jEnvironment.CUDA_DEVICE_MAJOR_VERSION_KEY) instanceof Number major
            && g.get(Nd4jEnvironment.CUDA_DEVICE_MINOR_VERSION_KEY) instanceof Number minor
            && !supportedComputeCapability(major.intValue(), minor.intValue())) {
          throw new BadInputException("The " + where + " cannot compute: GPU " + i + " ("
              + g.get(Nd4jEnvironment.CUDA_DEVICE_NAME_KEY) + ") has compute capability " + major + "." + minor
              + ", and ND4J's CUDA build (nd4j-cuda-11.6 1.0.0-M2.1) has kernels for 3.7 to 8.6 only (8.9 runs the "
              + "8.6 code) and no PTX to compile for newer GPUs. Use an Ampere-or-older GPU, or the CPU build.");
        }
      }
    }
  }

  /** Whether nd4j-cuda-11.6 1.0.0-M2.1's kernels run on a GPU of this compute capability. */
  static boolean supportedComputeCapability(int major, int minor) {
    int cc = major * 10 + minor;
    return cc >= 37 && cc <= 89;
  }

  /** The backend's name as ND4J reports it: "CPU" or "CUDA". */
  public static String name() {
    Object b = Nd4j.getExecutioner().getEnvironmentInformation().get(Nd4jEnvironment.BACKEND_KEY);
    return b == null ? "unknown" : b.toString();
  }

  public static boolean isCuda() {
    return name().equalsIgnoreCase("CUDA");
  }

  /** The devices tasks compute on: "cpu (2 cores)" or one "cuda:0 NVIDIA A100 (sm_80, 40.0 GiB)" per GPU. */
  public static List<String> devices() {
    Map<Object, Object> env = Nd4j.getExecutioner().getEnvironmentInformation();
    List<String> out = new ArrayList<>();
    if (env.get(Nd4jEnvironment.CUDA_DEVICE_INFORMATION_KEY) instanceof List<?> gpus) {
      for (int i = 0; i < gpus.size(); i++) {
        if (gpus.get(i) instanceof Map<?, ?> g) {
          out.add(String.format("cuda:%d %s (sm_%s%s, %.1f GiB)", i, g.get(Nd4jEnvironment.CUDA_DEVICE_NAME_KEY),
              g.get(Nd4jEnvironment.CUDA_DEVICE_MAJOR_VERSION_KEY), g.get(Nd4jEnvironment.CUDA_DEVICE_MINOR_VERSION_KEY),
              gib(g.get(Nd4jEnvironment.CUDA_TOTAL_MEMORY_KEY))));
        }
      }
      return out;
    }
    out.add("cpu (" + Runtime.getRuntime().availableProcessors() + " cores)");
    return out;
  }

  private static double gib(Object bytes) {
    return bytes instanceof Number n ? n.doubleValue() / (1L << 30) : Double.NaN;
  }

  /**
   * When {@code failure} comes from ND4J failing to start its backend, what went wrong and what to do about
   * it; empty for any other failure.
   */
  public static Optional<String> startFailure(Throwable failure) {
    if (!isBackendStartFailure(failure)) {
      return Optional.empty();
    }
    if (classPresent(CUDA_BACKEND_CLASS)) {
      return Optional.of(cudaAdvice(cudaRuntimeProblem().orElse("no usable GPU (" + rootMessage(failure)
          + "; ND4J's log above names the library or device it could not use)")));
    }
    return Optional.of("ND4J's CPU backend (nd4j-native) cannot start: " + rootMessage(failure)
        + ". It needs linux-x86_64 and the native libraries in the nd4j-native linux-x86_64-onednn jar.");
  }

  private static String cudaAdvice(String problem) {
    return "ND4J's CUDA backend (nd4j-cuda-11.6 1.0.0-M2.1, the -Pcuda build) cannot start here: " + problem
          + ". It needs an NVIDIA GPU of compute capability 3.7 to 8.9 (Kepler to Ada; this build has no code for "
          + "Hopper and newer), a driver for CUDA 11.6 or newer (libcuda.so.1) and the CUDA 11.6 libraries (cuBLAS, "
          + "cuSOLVER) on the library path. Build without -Pcuda for the CPU backend, which runs anywhere "
          + "(README, 'GPU executors').";
  }

  static boolean isBackendStartFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof Nd4jBackend.NoAvailableBackendException) {
        return true;
      }
      if (t instanceof NoClassDefFoundError && String.valueOf(t.getMessage()).contains("org.nd4j.linalg.factory.Nd4j")) {
        return true; // a second use of Nd4j after its static initialiser failed
      }
    }
    return false;
  }

  /** Loads the CUDA runtime's JNI library to learn which native library is missing. */
  static Optional<String> cudaRuntimeProblem() {
    try {
      Class<?> preset = Class.forName(CUDA_RUNTIME_PRESET);
      org.bytedeco.javacpp.Loader.load(preset);
      return Optional.empty();
    } catch (ClassNotFoundException e) {
      return Optional.of("the CUDA runtime preset " + CUDA_RUNTIME_PRESET + " is not on the classpath");
    } catch (Throwable t) {
      return Optional.of(rootMessage(t));
    }
  }

  static boolean classPresent(String name) {
    try {
      Class.forName(name, false, ComputeBackend.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }
}
