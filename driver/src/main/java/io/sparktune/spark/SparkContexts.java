package io.sparktune.spark;

import io.sparktune.config.Redaction;
import io.sparktune.config.SparkSettings;
import io.sparktune.io.HadoopFiles;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** Starts the SparkContext for a job: spark-submit's settings win; otherwise sparktune.spark applies. */
public final class SparkContexts {
  /** Aeron (gradient sharing) refuses to start in local mode without this (KNOWN-FACTS.md). */
  public static final String AERON_UNBLOCK = "aeron.publication.unblock.timeout";

  private SparkContexts() {}

  public static JavaSparkContext start(SparkSettings s) {
    StackCheck.require("driver");
    ComputeBackend.require("driver");
    AeronDirectories.removeStale("driver");
    if (System.getProperty(AERON_UNBLOCK) == null) {
      System.setProperty(AERON_UNBLOCK, "60000000000");
    }
    SparkConf conf = new SparkConf(true);
    if (!conf.contains("spark.master")) {
      conf.setMaster(s.master());
    }
    conf.setIfMissing("spark.app.name", s.appName());
    if (conf.get("spark.master").startsWith("local")) {
      conf.setIfMissing("spark.driver.host", "127.0.0.1");
      conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
      conf.setIfMissing("spark.ui.enabled", "false");
    }
    // frequent heartbeats carry the training accumulators: progress lines and stall detection
    conf.setIfMissing("spark.executor.heartbeatInterval", "3s");
    String plugins = conf.get("spark.plugins", "");
    if (!plugins.contains(ExecutorSetupPlugin.class.getName())) {
      conf.set("spark.plugins", plugins.isEmpty() ? ExecutorSetupPlugin.class.getName()
          : plugins + "," + ExecutorSetupPlugin.class.getName());
    }
    s.conf().forEach(conf::set);
    HadoopFiles.TIMEOUTS.forEach((k, v) -> conf.setIfMissing("spark.hadoop." + k, v));
    JavaSparkContext sc = new JavaSparkContext(conf);
    Redaction.useSparkRegex(sc.getConf().get("spark.redaction.regex", null));
    HadoopFiles.useConfiguration(sc.hadoopConfiguration());
    return sc;
  }

  /** Starts a context, runs the job on it and stops it, whatever happens. */
  public static <T> T with(SparkSettings s, java.util.function.Function<JavaSparkContext, T> job) {
    JavaSparkContext sc = start(s);
    try {
      return job.apply(sc);
    } finally {
      sc.stop();
    }
  }

  public static int workers(JavaSparkContext sc, SparkSettings s) {
    return s.workers() > 0 ? s.workers() : sc.defaultParallelism();
  }
}
