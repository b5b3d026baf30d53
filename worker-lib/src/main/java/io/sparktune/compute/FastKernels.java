package io.sparktune.compute;

import io.sparktune.model.Network;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.javacpp.Loader;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.nd4j.linalg.api.environment.Nd4jEnvironment;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Makes DL4J M2 use its fast layer kernels (oneDNN on the CPU, cuDNN on CUDA) and says which ran: the one place
 * that works around DL4J's helper switch.
 *
 * <p>Why it exists: out of the box a DL4J M2 network computes every convolution and pooling with ND4J's generic
 * loops, at about 8 GFLOP/s on the benchmark CNN against about 35 with oneDNN (docs/performance-fast-kernels.md). Three things
 * stand in the way, and each is dealt with here or in the build:
 * <ol>
 *   <li>The native build: the generic {@code nd4j-native} classifier has no oneDNN. The build ships the
 *       {@code linux-x86_64-onednn} variant instead (pom.xml, {@code nd4j.classifier}); JavaCPP loads it with no
 *       property because it is the only variant on the class path.
 *   <li>DL4J creates no layer helper unless the system property {@value #HELPERS_DISABLE} is {@code false}; its
 *       default is {@code true} ({@code org.deeplearning4j.nn.layers.HelperUtils}). {@link #enable()} sets it, unless
 *       the user set it (then theirs wins: {@code -Dorg.eclipse.deeplearning4j.helpers.disable=true} turns the
 *       helpers off, for comparison or if one misbehaves).
 *   <li>Even then every oneDNN helper refuses itself: {@code BaseMKLDNNHelper.mklDnnEnabled()} looks up
 *       {@code org.nd4j.nativeblas.Nd4jCpu$Environment#isUseMKLDNN} by reflection, a class that M2 renamed
 *       ({@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment#isUseONEDNN}). sparktune ships a class
 *       of the old name ({@link org.nd4j.nativeblas.Nd4jCpu}) that answers with {@link #oneDnnActive()}.
 * </ol>
 *
 * <p>The helpers run only where DL4J M2 has one: convolution, subsampling (pooling), batch normalisation and local
 * response normalisation on the CPU (M2 has no oneDNN LSTM helper); on CUDA, cuDNN's for the same layers and LSTM
 * when {@code deeplearning4j-cuda-11.6} is on the class path. A helper that throws makes DL4J fall back to its
 * built-in path silently; {@link #report(Network)} counts those fallbacks.
 */
public final class FastKernels {
  /** DL4J M2's switch for layer helpers, read each time a layer is created. */
  public static final String HELPERS_DISABLE = "org.eclipse.deeplearning4j.helpers.disable";
  /** The M2 name of the class DL4J's oneDNN check means to ask. */
  static final String CPU_ENVIRONMENT = "org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment";

  private FastKernels() {}

  /**
   * Lets DL4J create layer helpers from now on. Call it before any network is built in this JVM (ND4J's start-up
   * on the driver and on each executor does); a network built before keeps DL4J's built-in layers.
   */
  public static synchronized void enable() {
    if (System.getProperty(HELPERS_DISABLE) == null) {
      System.setProperty(HELPERS_DISABLE, "false");
    }
  }

  /** Whether DL4J creates layer helpers for networks built from now on. */
  public static boolean helpersAllowed() {
    return !Boolean.parseBoolean(System.getProperty(HELPERS_DISABLE, "true"));
  }

  /**
   * Whether oneDNN runs ND4J's operations here: the CPU backend, a native build that contains oneDNN, and oneDNN
   * switched on in it. What DL4J M2's {@code BaseMKLDNNHelper} meant to ask; the build check matters because
   * ND4J's generic build reports oneDNN as on, and DL4J's oneDNN helpers on it run about three times slower than
   * no helpers at all (74 against 224 examples/s on the benchmark CNN).
   */
  public static boolean oneDnnActive() {
    if (!"CPU".equalsIgnoreCase(backend()) || !buildInfo().contains("HAVE_ONEDNN")) {
      return false;
    }
    try {
      Class<?> c = Class.forName(CPU_ENVIRONMENT);
      Object environment = c.getMethod("getInstance").invoke(null);
      return (Boolean) c.getMethod("isUseONEDNN").invoke(environment);
    } catch (ReflectiveOperationException | LinkageError e) {
      return false;
    }
  }

  /** What one network computes on: backend, native build, BLAS, threads, and the helper of each layer type. */
  public record Report(String backend, String nativeBuild, boolean oneDnn, String blas, int nativeThreads,
      Map<String, String> helpers, Map<String, Integer> fallbacks) {

    /** The layer types that run with a helper, e.g. "ConvolutionLayer, SubsamplingLayer"; "none" without. */
    public String helperLayers() {
      return helpers.isEmpty() ? "none" : String.join(", ", helpers.keySet());
    }

    /** One line for logs and the summary. */
    public String line() {
      return String.format("ND4J %s, native build %s%s, BLAS %s, %d native threads; layer helpers: %s%s", backend,
          nativeBuild, oneDnn ? " (oneDNN)" : "", blas, nativeThreads, helperLayers(),
          fallbacks.isEmpty() ? "" : "; helper failures fell back to DL4J's built-in path: " + fallbacks);
    }

    /** The shape written to metrics.json ("compute"). */
    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("backend", backend);
      m.put("native-build", nativeBuild);
      m.put("onednn", oneDnn);
      m.put("blas", blas);
      m.put("native-threads", nativeThreads);
      m.put("layer-helpers", helpers);
      m.put("helper-fallbacks", fallbacks);
      return m;
    }
  }

  /** What {@code net} computes on in this JVM. */
  public static Report report(Network net) {
    Map<String, String> helpers = new TreeMap<>();
    Map<String, Integer> fallbacks = new TreeMap<>();
    for (Layer layer : innermost(net.layers())) {
      String type = layer.getClass().getSimpleName();
      LayerHelper helper = layer.getHelper();
      if (helper != null) {
        helpers.put(type, helper.getClass().getSimpleName());
      }
      int failed = helperFailures(layer);
      if (failed > 0) {
        fallbacks.merge(type, failed, Integer::sum);
      }
    }
    Map<Object, Object> env = Nd4j.getExecutioner().getEnvironmentInformation();
    Object blas = env.get(Nd4jEnvironment.BLAS_VENDOR_KEY);
    return new Report(backend(), nativeBuild(), oneDnnActive(), blas == null ? "unknown" : blas.toString(),
        Nd4j.getEnvironment().maxThreads(), helpers, fallbacks);
  }

  /** The layers that compute, with frozen wrappers taken off. */
  static List<Layer> innermost(Layer[] layers) {
    List<Layer> out = new ArrayList<>();
    for (Layer l : layers) {
      Layer in = l;
      while (true) {
        if (in instanceof FrozenLayer f) {
          in = f.getInsideLayer();
        } else if (in instanceof FrozenLayerWithBackprop f) {
          in = f.getInsideLayer();
        } else {
          break;
        }
      }
      out.add(in);
    }
    return out;
  }

  /** How often a layer's helper failed and DL4J computed with its built-in path instead (its private counter). */
  static int helperFailures(Layer layer) {
    for (Class<?> c = layer.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField("helperCountFail");
        f.setAccessible(true);
        return f.getInt(layer);
      } catch (NoSuchFieldException e) {
        // not declared here: look further up
      } catch (ReflectiveOperationException | RuntimeException e) {
        return 0;
      }
    }
    return 0;
  }

  /** The native library variant JavaCPP loaded, e.g. "linux-x86_64-onednn". */
  public static String nativeBuild() {
    for (Map.Entry<String, String> e : Loader.getLoadedLibraries().entrySet()) {
      String path = e.getValue();
      if (path != null && (path.endsWith("/libnd4jcpu.so") || path.endsWith("/libnd4jcuda.so"))) {
        String dir = path.substring(0, path.lastIndexOf('/'));
        return dir.substring(dir.lastIndexOf('/') + 1);
      }
    }
    return "unknown";
  }

  private static String backend() {
    Object b = Nd4j.getExecutioner().getEnvironmentInformation().get(Nd4jEnvironment.BACKEND_KEY);
    return b == null ? "unknown" : b.toString();
  }

  private static String buildInfo() {
    try {
      String info = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
      return info == null ? "" : info;
    } catch (RuntimeException | LinkageError e) {
      return "";
    }
  }
}
