package io.sparktune.train;

import io.sparktune.config.MonitoringSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.util.AccumulatorV2;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple4;
import scala.collection.JavaConverters;

/**
 * Watches distributed training from the driver. From the executors' {@link ProgressListener}
 * accumulators, which arrive with task ends and executor heartbeats, it logs progress lines (epoch,
 * step, loss, examples/s, ETA) and hands them to a sink (the run's metrics.jsonl); it detects
 * divergence (a NaN/infinite loss, or a loss blow-up) and stalls, and then cancels the run's Spark jobs
 * so the run fails loudly with what to do rather than hang or train on garbage (DL4J's gradient sharing
 * can hang silently). From Spark's task metrics it splits each epoch's time.
 */
public final class TrainingMonitor extends SparkListener implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TrainingMonitor.class);
  private static final int EXAMPLES = 0;
  private static final int MINIBATCHES = 1;
  private static final int LOSS = 2;
  private static final int NON_FINITE = 3;
  private static final int STEP_SECONDS = 4;
  private static final int TIMED_STEPS = 5;

  private final JavaSparkContext sc;
  private final List<AccumulatorV2<?, ?>> counters;
  private final LayerStatsAccumulator layerStats = new LayerStatsAccumulator();
  private final Duration stallTimeout;
  private final MonitoringSettings settings;
  private final Consumer<Map<String, Object>> progressSink;
  /** Latest accumulator values of running tasks, from heartbeats: taskId -> counters. */
  private final Map<Long, double[]> running = new ConcurrentHashMap<>();
  /** Spark task time of the current epoch, summed over tasks, in ms: see {@link #epochTimes}. */
  private final Map<String, Long> taskMillis = new ConcurrentHashMap<>();
  /** Bytes Spark spilled in the current epoch's tasks (sorts and aggregations that outgrew memory). */
  private final Map<String, Long> spilledBytes = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "sparktune-training-monitor");
    t.setDaemon(true);
    return t;
  });

  /**
   * The Spark job group of the run (a sweep trial's), or null: with a group, only the group's tasks count
   * and only its jobs are cancelled, so concurrent runs in one application do not disturb each other.
   */
  private static final String JOB_GROUP = "spark.jobGroup.id";
  private final String jobGroup;
  private final java.util.Set<Integer> groupStages = ConcurrentHashMap.newKeySet();
  /** Executors that ran this run's tasks in the current epoch. */
  private final java.util.Set<String> epochExecutors = ConcurrentHashMap.newKeySet();

  private volatile int epoch;
  private volatile int epochs;
  private volatile long epochExamples;
  private volatile int batchSize;
  private volatile long epochStartNanos;
  private volatile double startExamples;
  private volatile double lastExamples = -1;
  private volatile double lastMinibatches;
  private volatile double lastLoss;
  private volatile long lastProgressNanos;
  private volatile boolean stalled;
  private volatile String divergence;
  private volatile double reportedMinibatches;
  private volatile double reportedLoss;
  private volatile double reportedNonFinite;
  private volatile double lowestRecentLoss = Double.POSITIVE_INFINITY;
  private volatile double[] atEpochStart = new double[6];

  /**
   * @param progressSink receives every progress record (also logged); must be thread-safe
   */
  public TrainingMonitor(JavaSparkContext sc, Duration progressInterval, Duration stallTimeout,
      MonitoringSettings settings, Consumer<Map<String, Object>> progressSink) {
    this.sc = sc;
    this.jobGroup = sc.getLocalProperty(JOB_GROUP);
    this.counters = List.of(sc.sc().longAccumulator("sparktune.examples"),
        sc.sc().longAccumulator("sparktune.minibatches"), sc.sc().doubleAccumulator("sparktune.loss-sum"),
        sc.sc().longAccumulator("sparktune.non-finite-losses"), sc.sc().doubleAccumulator("sparktune.step-seconds"),
        sc.sc().longAccumulator("sparktune.timed-steps"));
    sc.sc().register(layerStats, "sparktune.layer-stats");
    this.stallTimeout = stallTimeout;
    this.settings = settings;
    this.progressSink = progressSink;
    sc.sc().addSparkListener(this);
    long every = Math.max(100, progressInterval.toMillis());
    timer.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
  }

  /** The listener to install in the training loop on the executors. */
  public TrainingListener executorListener(boolean sharedAcrossTasks) {
    return new ProgressListener((LongAccumulator) counters.get(EXAMPLES), (LongAccumulator) counters.get(MINIBATCHES),
        (DoubleAccumulator) counters.get(LOSS), (LongAccumulator) counters.get(NON_FINITE),
        (DoubleAccumulator) counters.get(STEP_SECONDS), (LongAccumulator) counters.get(TIMED_STEPS), layerStats, settings.layerStatsEvery(), sharedAcrossTasks);
  }

  /** Starts counting a new epoch of {@code exampleCount} examples. */
  public void startEpoch(int epoch, int epochs, long exampleCount, int batchSize) {
    drainEvents(); // task ends of earlier jobs (the last validation) must not count in this epoch
    this.epoch = epoch;
    this.epochs = epochs;
    this.epochExamples = exampleCount;
    this.batchSize = batchSize;
    double[] t = totals();
    this.startExamples = t[EXAMPLES];
    this.atEpochStart = t;
    this.epochStartNanos = System.nanoTime();
    this.lastProgressNanos = epochStartNanos;
    this.stalled = false;
    taskMillis.clear();
    spilledBytes.clear();
    epochExecutors.clear();
    layerStats.reset();
  }

  /**
   * Waits (up to 5 s) until Spark has delivered every queued listener event, so that the task times of a job
   * that just returned are counted, and counted in the right epoch.
   */
  private void drainEvents() {
    try {
      sc.sc().listenerBus().waitUntilEmpty(5000);
    } catch (java.util.concurrent.TimeoutException e) {
      log.debug("Spark's listener bus did not drain within 5 s; this epoch's time split may miss some tasks.");
    }
  }

  /** Throws if the watchdog cancelled the epoch because it stalled or diverged. */
  public void checkHealthy() {
    if (divergence != null && settings.stopOnDivergence()) {
      throw new TrainingDivergedException(divergence);
    }
    if (stalled) {
      throw new IllegalStateException("Training made no progress for " + stallTimeout.toSeconds()
          + " s (training.stall-timeout) in epoch " + epoch + ", so its Spark jobs were cancelled. "
          + "DL4J's gradient sharing is known to hang this way; rerun with --resume to continue from the "
          + "last checkpoint, or use training.strategy = parameter-averaging.");
    }
  }

  /**
   * Checks the epoch's mean training loss too: a non-finite one means divergence even when no progress
   * window showed it.
   */
  public void checkEpochLoss(double meanLoss) {
    double[] t = totals();
    if (t[NON_FINITE] > reportedNonFinite || Double.isInfinite(meanLoss)) {
      diverged("the training loss became NaN or infinite in epoch " + epoch);
    }
    if (Double.isFinite(meanLoss) && meanLoss > 0) {
      checkBlowUp(meanLoss, "epoch " + epoch + "'s mean training loss");
    }
    checkHealthy();
  }

  /** Mean training loss over the minibatches finished since the previous call (NaN if none). */
  public double meanLossSinceLastCall() {
    double[] t = totals();
    double n = t[MINIBATCHES] - lastMinibatches;
    double loss = n > 0 ? (t[LOSS] - lastLoss) / n : Double.NaN;
    lastMinibatches = t[MINIBATCHES];
    lastLoss = t[LOSS];
    return loss;
  }

  /** The per-layer gradient-flow sums of the current epoch (see {@link LayerStatsAccumulator}). */
  public Map<String, double[]> epochLayerStats() {
    return layerStats.value();
  }

  /**
   * Where the epoch's time went, in seconds per worker (sums over tasks divided by workers) beside the
   * epoch's wall time: Spark task run time, of it the training steps (mean timed step times all
 * steps), waiting for
   * shuffled data, (de)serialisation, JVM GC, and scheduler delay; "driver-and-idle" is the wall time
   * not covered by tasks (averaging on the driver, broadcasts, job scheduling, idle workers).
   */
  public Map<String, Object> epochTimes(double wallSeconds, int workers) {
    drainEvents(); // the epoch's own task ends may still be on their way to this listener
    Map<String, Object> m = new LinkedHashMap<>();
    double w = Math.max(1, workers);
    double tasks = taskMillis.getOrDefault("task-wall", 0L) / 1000.0 / w;
    m.put("wall", wallSeconds);
    m.put("tasks", tasks);
    double[] t = totals();
    double timed = t[TIMED_STEPS] - atEpochStart[TIMED_STEPS];
    double meanStep = timed > 0 ? (t[STEP_SECONDS] - atEpochStart[STEP_SECONDS]) / timed : Double.NaN;
    m.put("training-steps", timed > 0 ? meanStep * (t[MINIBATCHES] - atEpochStart[MINIBATCHES]) / w : null);
    m.put("data-shuffle-wait", taskMillis.getOrDefault("fetch-wait", 0L) / 1000.0 / w);
    m.put("serialization", (taskMillis.getOrDefault("deserialize", 0L) + taskMillis.getOrDefault("result-serialize", 0L))
        / 1000.0 / w);
    m.put("gc", taskMillis.getOrDefault("gc", 0L) / 1000.0 / w);
    m.put("scheduler-delay", taskMillis.getOrDefault("scheduler-delay", 0L) / 1000.0 / w);
    m.put("driver-and-idle", Math.max(0, wallSeconds - tasks));
    return m;
  }

  /**
   * What the current epoch's tasks spilled, in bytes: "memory" (the in-memory size of what was spilled)
   * and "disk" (what was written); call after {@link #epochTimes}, which waits for the task ends.
   */
  public Map<String, Long> epochSpill() {
    return Map.of("memory", spilledBytes.getOrDefault("memory", 0L), "disk", spilledBytes.getOrDefault("disk", 0L));
  }

  /** Cancels this run's Spark jobs: its job group's, or every job when it has none. */
  private void cancelJobs() {
    if (jobGroup != null) {
      sc.sc().cancelJobGroup(jobGroup);
    } else {
      sc.sc().cancelAllJobs();
    }
  }

  /** The executors that ran this run's tasks in the current epoch, sorted. */
  public List<String> epochExecutors() {
    return epochExecutors.stream().sorted().toList();
  }

  private double[] totals() {
    double[] t = new double[counters.size()];
    for (int i = 0; i < t.length; i++) {
      t[i] = ((Number) counters.get(i).value()).doubleValue();
    }
    for (double[] r : running.values()) {
      for (int i = 0; i < t.length; i++) {
        t[i] += r[i];
      }
    }
    return t;
  }

  private void tick() {
    try {
      double[] t = totals();
      long now = System.nanoTime();
      if (t[NON_FINITE] > reportedNonFinite) {
        reportedNonFinite = t[NON_FINITE];
        diverged("the training loss became NaN or infinite in epoch " + epoch);
      }
      if (t[EXAMPLES] != lastExamples) {
        lastExamples = t[EXAMPLES];
        lastProgressNanos = now;
        report(t, now);
      } else if (epochs > 0 && !stalled && now - lastProgressNanos > stallTimeout.toNanos()) {
        stalled = true;
        log.error("No training progress for {} s: cancelling the running Spark jobs.", stallTimeout.toSeconds());
        cancelJobs();
      }
    } catch (RuntimeException e) {
      log.debug("progress tick failed", e);
    }
  }

  private void report(double[] t, long now) {
    if (epochs == 0) {
      return;
    }
    double done = Math.max(0, t[EXAMPLES] - startExamples);
    double secs = (now - epochStartNanos) / 1e9;
    double rate = secs > 0 ? done / secs : 0;
    long steps = (long) Math.ceil(epochExamples / (double) batchSize);
    long step = Math.min((long) Math.ceil(done / batchSize), steps);
    double window = t[MINIBATCHES] - reportedMinibatches;
    double recent = window > 0 ? (t[LOSS] - reportedLoss) / window : Double.NaN;
    reportedMinibatches = t[MINIBATCHES];
    reportedLoss = t[LOSS];
    double eta = rate > 0 ? Math.max(0, epochExamples - done) / rate : Double.NaN;
    log.info(String.format("epoch %d/%d | step %d/%d | loss %.4f | %,.0f examples/s | epoch ETA %s",
        epoch, epochs, step, steps, recent, rate, formatSeconds(eta)));
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("time", java.time.Instant.now().toString());
    record.put("epoch", epoch);
    record.put("step", step);
    record.put("steps", steps);
    record.put("loss", Double.isFinite(recent) ? recent : null);
    record.put("examples-per-second", rate);
    record.put("epoch-eta-seconds", Double.isFinite(eta) ? eta : null);
    progressSink.accept(record);
    if (Double.isFinite(recent) && recent > 0) {
      checkBlowUp(recent, "the recent training loss");
    }
  }

  private synchronized void checkBlowUp(double loss, String what) {
    if (lowestRecentLoss < Double.POSITIVE_INFINITY && loss > settings.lossBlowUp() * lowestRecentLoss) {
      diverged(String.format("%s blew up to %.4g in epoch %d, more than %.3g times the lowest loss so far (%.4g)",
          what, loss, epoch, settings.lossBlowUp(), lowestRecentLoss));
    }
    lowestRecentLoss = Math.min(lowestRecentLoss, loss);
  }

  private synchronized void diverged(String what) {
    if (divergence != null) {
      return;
    }
    divergence = "Training diverged: " + what + ". Lower training.learning-rate (e.g. by 10x) or freeze more layers "
        + "(model.adapt.freeze-up-to); --resume continues from the last complete checkpoint, if any, which was "
        + "written before the divergence.";
    if (settings.stopOnDivergence()) {
      log.error("{} Cancelling the running Spark jobs (monitoring.divergence.stop = true).", divergence);
      cancelJobs();
    } else {
      log.warn("{} Continuing (monitoring.divergence.stop = false).", divergence);
    }
  }

  public static String formatSeconds(double s) {
    if (Double.isNaN(s) || Double.isInfinite(s)) {
      return "?";
    }
    long sec = Math.round(s);
    return String.format("%d:%02d:%02d", sec / 3600, (sec / 60) % 60, sec % 60);
  }

  @Override
  public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
    for (Tuple4<Object, Object, Object, scala.collection.Seq<AccumulableInfo>> u
        : JavaConverters.seqAsJavaList(update.accumUpdates())) {
      double[] v = valuesOf(JavaConverters.seqAsJavaList(u._4()));
      if (v != null) {
        running.put((Long) u._1(), v);
      }
    }
  }

  @Override
  public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart start) {
    if (jobGroup != null && start.properties() != null && jobGroup.equals(start.properties().getProperty(JOB_GROUP))) {
      JavaConverters.seqAsJavaList(start.stageIds()).forEach(id -> groupStages.add((Integer) id));
    }
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    running.remove(end.taskInfo().taskId());
    TaskMetrics m = end.taskMetrics();
    TaskInfo info = end.taskInfo();
    if (m == null || epochs == 0 || (jobGroup != null && !groupStages.contains(end.stageId()))) {
      return;
    }
    epochExecutors.add(info.executorId());
    long wall = info.finishTime() - info.launchTime();
    long delay = Math.max(0, wall - m.executorRunTime() - m.executorDeserializeTime() - m.resultSerializationTime()
        - info.gettingResultTime());
    taskMillis.merge("task-wall", wall, Long::sum);
    taskMillis.merge("deserialize", m.executorDeserializeTime(), Long::sum);
    taskMillis.merge("result-serialize", m.resultSerializationTime(), Long::sum);
    taskMillis.merge("gc", m.jvmGCTime(), Long::sum);
    taskMillis.merge("fetch-wait", m.shuffleReadMetrics().fetchWaitTime(), Long::sum);
    taskMillis.merge("scheduler-delay", delay, Long::sum);
    spilledBytes.merge("memory", m.memoryBytesSpilled(), Long::sum);
    spilledBytes.merge("disk", m.diskBytesSpilled(), Long::sum);
  }

  private double[] valuesOf(List<AccumulableInfo> infos) {
    double[] v = new double[counters.size()];
    boolean any = false;
    for (AccumulableInfo a : infos) {
      for (int i = 0; i < counters.size(); i++) {
        if (a.id() == counters.get(i).id() && a.update().isDefined()) {
          v[i] = ((Number) a.update().get()).doubleValue();
          any = true;
        }
      }
    }
    return any ? v : null;
  }

  @Override
  public void close() {
    timer.shutdownNow();
    sc.sc().removeSparkListener(this);
  }
}
