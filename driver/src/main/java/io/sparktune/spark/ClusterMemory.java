package io.sparktune.spark;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.RDDInfo;
import scala.Tuple2;

/**
 * Where an application's memory is: how much of its cached data sits in executor memory and how much
 * Spark put on disk because it did not fit, and the peak resident set size of every executor JVM (what
 * YARN and Kubernetes compare with {@code spark.executor.memory + memoryOverhead}).
 */
public final class ClusterMemory {
  private ClusterMemory() {}

  /**
   * The cached partitions of {@code rdds} right now: "memory-bytes", "disk-bytes", "cached-partitions",
   * "partitions" (summed over the RDDs).
   */
  public static Map<String, Long> cached(JavaSparkContext sc, JavaRDD<?>... rdds) {
    long memory = 0;
    long disk = 0;
    long cachedPartitions = 0;
    long partitions = 0;
    for (JavaRDD<?> rdd : rdds) {
      for (RDDInfo info : sc.sc().getRDDStorageInfo()) {
        if (info.id() == rdd.id()) {
          memory += info.memSize();
          disk += info.diskSize();
          cachedPartitions += info.numCachedPartitions();
        }
      }
      partitions += rdd.getNumPartitions();
    }
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("memory-bytes", memory);
    m.put("disk-bytes", disk);
    m.put("cached-partitions", cachedPartitions);
    m.put("partitions", partitions);
    return m;
  }

  /** One log-friendly line for {@link #cached}. */
  public static String describe(Map<String, Long> cached) {
    return String.format("%d of %d partitions cached, %s in executor memory, %s on executor disk%s",
        cached.get("cached-partitions"), cached.get("partitions"), mib(cached.get("memory-bytes")),
        mib(cached.get("disk-bytes")), cached.get("disk-bytes") > 0
            ? " (it did not fit in the executors' storage memory, so Spark keeps the rest on disk)" : "");
  }

  public static String mib(long bytes) {
    return String.format("%.1f MiB", bytes / (double) (1 << 20));
  }

  /**
   * The driver's and every reachable executor's peak RSS ("driver-peak-rss-bytes",
   * "executor-peak-rss-bytes" by executor id) beside the executor memory configured ("executor-memory",
   * "executor-memory-overhead", null when not set).
   */
  public static Map<String, Object> peaks(JavaSparkContext sc) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("driver-peak-rss-bytes", PeakMemory.peakRssBytes());
    m.put("executor-peak-rss-bytes", executorPeakRss(sc));
    m.put("executor-memory", sc.getConf().get("spark.executor.memory", null));
    m.put("executor-memory-overhead", sc.getConf().get("spark.executor.memoryOverhead", null));
    return m;
  }

  /** One log-friendly line for {@link #peaks}. */
  @SuppressWarnings("unchecked")
  public static String describePeaks(Map<String, Object> peaks) {
    Map<String, Long> executors = (Map<String, Long>) peaks.get("executor-peak-rss-bytes");
    return "driver peak RSS " + mib((Long) peaks.get("driver-peak-rss-bytes")) + (executors.isEmpty() ? ""
        : ", executors' peak RSS " + executors.entrySet().stream().map(e -> e.getKey() + ": " + mib(e.getValue()))
            .collect(java.util.stream.Collectors.joining(", ")) + " (spark.executor.memory "
            + orDefault(peaks.get("executor-memory"), "not set: Spark's default 1g") + ", memoryOverhead "
            + orDefault(peaks.get("executor-memory-overhead"), "not set: Spark's default, 10% and at least 384m")
            + ")");
  }

  private static Object orDefault(Object value, String otherwise) {
    return value == null ? otherwise : value;
  }

  /**
   * Peak RSS in bytes of every executor JVM that runs one of a few tiny probe tasks, by executor id; empty
   * in local mode, where the executor is the driver's own JVM. Each executor reads its own VmHWM, the
   * peak since the JVM started, so this covers everything the executor did before. An executor busy with
   * a long task (another sweep trial's training) may not answer: only those that did are listed.
   */
  public static Map<String, Long> executorPeakRss(JavaSparkContext sc) {
    if (sc.master().startsWith("local")) {
      return Map.of();
    }
    int executors = sc.sc().statusTracker().getExecutorInfos().length - 1; // the driver is listed too
    if (executors <= 0) {
      return Map.of();
    }
    int tasks = 4 * executors;
    List<Tuple2<String, Long>> peaks = sc.parallelize(IntStream.range(0, tasks).boxed().toList(), tasks).map(i -> {
      Thread.sleep(100); // so that one executor does not run every task before the others get one
      return new Tuple2<>(SparkEnv.get().executorId(), PeakMemory.peakRssBytes());
    }).collect();
    Map<String, Long> byExecutor = new TreeMap<>();
    for (Tuple2<String, Long> p : peaks) {
      byExecutor.merge(p._1(), p._2(), Math::max);
    }
    return byExecutor;
  }
}
