package io.sparktune.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import io.sparktune.compute.FastKernels;
import org.apache.spark.TaskContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares every executor for ND4J work and tells the driver what each one computes on.
 *
 * <ul>
 *   <li><b>Threads:</b> ND4J's native (OpenMP) and BLAS pools get as many threads per task as Spark gives each
 *       task cores. By default every ND4J call uses all the machine's cores; with several concurrent tasks per
 *       executor that oversubscribes the CPU (KNOWN-FACTS.md). {@code spark.sparktune.native-threads}
 *       overrides the count.
 *   <li><b>GPUs:</b> before each task, the GPU Spark assigned it ({@code spark.task.resource.gpu.amount})
 *       becomes the task thread's ND4J device ({@link DeviceBinding}). On the CPU backend an assigned GPU is
 *       reported as unused, once per executor.
 *   <li><b>Leftovers:</b> Aeron directories of JVMs that died during gradient sharing are removed
 *       ({@link AeronDirectories}).
 *   <li><b>Report:</b> one log line per executor names its backend and devices, and the driver keeps them
 *       ({@link ExecutorCompute}) for provenance.json.
 * </ul>
 */
public final class ExecutorSetupPlugin implements SparkPlugin {
  private static final Logger log = LoggerFactory.getLogger(ExecutorSetupPlugin.class);
  public static final String THREADS = "spark.sparktune.native-threads";

  /** What one executor computes on, as it reported at start-up and as its tasks bound GPUs. */
  public record ExecutorCompute(String executorId, String host, String backend, String nativeBuild, boolean oneDnn,
      List<String> devices, List<String> gpuAddresses, int nativeThreads) implements Serializable {}

  /** A task on {@code executorId} bound Spark GPU {@code address} to ND4J device {@code ordinal} (-1: unused). */
  public record GpuBinding(String executorId, String address, int ordinal) implements Serializable {}

  /** Every executor of this JVM's Spark applications that reported, by executor id (read on the driver). */
  private static final Map<String, ExecutorCompute> EXECUTORS = new ConcurrentHashMap<>();
  /** Every GPU binding tasks made, by executor id then address (read on the driver). */
  private static final Map<String, Map<String, Integer>> BINDINGS = new ConcurrentHashMap<>();

  /** What the executors reported, for provenance.json: one map per executor, its GPU bindings included. */
  public static List<Map<String, Object>> executorsReport() {
    List<Map<String, Object>> out = new ArrayList<>();
    EXECUTORS.values().stream().sorted(java.util.Comparator.comparing(ExecutorCompute::executorId)).forEach(e -> {
      Map<String, Object> m = new java.util.LinkedHashMap<>();
      m.put("executor", e.executorId());
      m.put("host", e.host());
      m.put("backend", e.backend());
      m.put("native-build", e.nativeBuild());
      m.put("onednn", e.oneDnn());
      m.put("devices", e.devices());
      m.put("spark-gpu-addresses", e.gpuAddresses());
      m.put("native-threads", e.nativeThreads());
      m.put("task-gpu-bindings", BINDINGS.getOrDefault(e.executorId(), Map.of()));
      out.add(m);
    });
    return out;
  }

  @Override
  public DriverPlugin driverPlugin() {
    return new DriverPlugin() {
      @Override
      public Map<String, String> init(org.apache.spark.SparkContext sc, PluginContext ctx) {
        // one JVM may start several applications (a restart, a notebook): report this one's executors only
        EXECUTORS.clear();
        BINDINGS.clear();
        return Map.of();
      }

      @Override
      public Object receive(Object message) {
        if (message instanceof ExecutorCompute e) {
          EXECUTORS.put(e.executorId(), e);
        } else if (message instanceof GpuBinding b) {
          BINDINGS.computeIfAbsent(b.executorId(), k -> new ConcurrentHashMap<>()).put(b.address(), b.ordinal());
        }
        return null;
      }
    };
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return new ExecutorPlugin() {
      private PluginContext ctx;
      private boolean cuda;
      private int deviceCount;
      /** GPU addresses whose binding was already logged and reported. */
      private final Set<String> reported = ConcurrentHashMap.newKeySet();

      @Override
      public void init(PluginContext ctx, Map<String, String> extraConf) {
        this.ctx = ctx;
        // executors may run another Spark than the driver (their own installation): refuse it here, by name
        StackCheck.require("executor " + ctx.executorID());
        int threads = ctx.conf().getInt(THREADS, ctx.conf().getInt("spark.task.cpus", 1));
        ComputeBackend.require("executor " + ctx.executorID());
        AeronDirectories.removeStale("executor " + ctx.executorID());
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        // OpenBLAS keeps its own pool (all cores by default): two tasks each multiplying with two BLAS threads
        // on two cores run slower than with one each
        Nd4j.factory().blas().setMaxThreads(threads);
        cuda = ComputeBackend.isCuda();
        deviceCount = Nd4j.getAffinityManager().getNumberOfDevices();
        List<String> gpus = addresses(ctx.resources().get("gpu"));
        ExecutorCompute me = new ExecutorCompute(ctx.executorID(), hostname(), ComputeBackend.name(),
            FastKernels.nativeBuild(), FastKernels.oneDnnActive(), ComputeBackend.devices(), gpus, threads);
        log.info("Executor {} on {}: ND4J backend {} ({}{}, layer helpers {}) on {}; Spark GPUs {}; {} native "
            + "thread(s) per task", me.executorId(), me.host(), me.backend(), me.nativeBuild(),
            me.oneDnn() ? ", oneDNN" : "", FastKernels.helpersAllowed() ? "on" : "off", me.devices(),
            gpus.isEmpty() ? "none" : gpus, threads);
        if (!cuda && !gpus.isEmpty()) {
          log.warn("Executor {} was given GPU(s) {} but runs ND4J's CPU backend, so they stay unused: build with "
              + "-Pcuda (README, 'GPU executors')", me.executorId(), gpus);
        }
        send(me);
      }

      @Override
      public void onTaskStart() {
        TaskContext task = TaskContext.get();
        if (task == null) {
          return;
        }
        List<String> gpus = addresses(task.resourcesJMap().get("gpu"));
        if (gpus.isEmpty()) {
          return;
        }
        String address = gpus.get(0);
        int ordinal = -1;
        if (cuda) {
          try {
            ordinal = DeviceBinding.ordinal(address, System.getenv("CUDA_VISIBLE_DEVICES"), deviceCount);
          } catch (io.sparktune.BadInputException e) {
            // Spark only logs (at INFO) what a plugin's onTaskStart throws, so say it loudly here
            log.error("Executor {}: {}; the task runs on the device its thread already had", ctx.executorID(),
                e.getMessage());
            return;
          }
          Nd4j.getAffinityManager().unsafeSetDevice(ordinal);
        }
        if (reported.add(address)) {
          if (cuda) {
            log.info("Executor {}: tasks given GPU {} compute on ND4J device {}", ctx.executorID(), address, ordinal);
          }
          send(new GpuBinding(ctx.executorID(), address, ordinal));
        }
      }

      private void send(Object message) {
        try {
          ctx.send(message);
        } catch (Exception e) {
          log.debug("could not report to the driver", e);
        }
      }
    };
  }

  /** This host's name (PluginContext.hostname() fails on executors, whose RPC environment has no address). */
  private static String hostname() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  private static List<String> addresses(ResourceInformation r) {
    return r == null ? List.of() : Arrays.asList(r.addresses());
  }
}
