package io.sparktune.spark;

import java.util.Map;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives ND4J's native (OpenMP) and BLAS thread pools as many threads per task as Spark gives each task cores.
 *
 * <p>By default every ND4J call uses all the machine's cores; with several concurrent tasks per executor
 * that oversubscribes the CPU (KNOWN-FACTS.md: 2 task threads x 2 OpenMP threads on 2 cores). Set
 * {@code spark.sparktune.native-threads} to override the count.
 */
public final class NativeThreadsPlugin implements SparkPlugin {
  private static final Logger log = LoggerFactory.getLogger(NativeThreadsPlugin.class);
  public static final String THREADS = "spark.sparktune.native-threads";

  @Override
  public DriverPlugin driverPlugin() {
    return null;
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return new ExecutorPlugin() {
      @Override
      public void init(PluginContext ctx, Map<String, String> extraConf) {
        // executors may run another Spark than the driver (their own installation): refuse it here, by name
        StackCheck.require("executor " + ctx.executorID());
        int threads = ctx.conf().getInt(THREADS, ctx.conf().getInt("spark.task.cpus", 1));
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        // OpenBLAS keeps its own pool (all cores by default): two tasks each multiplying with two BLAS threads
        // on two cores run slower than with one each
        Nd4j.factory().blas().setMaxThreads(threads);
        log.info("Executor {}: ND4J backend {} with {} native thread(s) per task", ctx.executorID(),
            Nd4j.getBackend().getClass().getSimpleName(), threads);
      }
    };
  }
}
