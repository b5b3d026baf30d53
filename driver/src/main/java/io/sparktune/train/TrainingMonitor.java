package io.sparktune.train;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple4;
import scala.collection.JavaConverters;

/**
 * Watches distributed training from the driver: progress lines (epoch, step, loss, examples/s, ETA)
 * built from the executors' {@link ProgressListener} accumulators, which arrive with task ends and
 * executor heartbeats, and a watchdog that cancels the Spark jobs of a run that stops making progress
 * (DL4J's gradient sharing can hang silently) so the run fails loudly instead.
 */
public final class TrainingMonitor extends SparkListener implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TrainingMonitor.class);

  private final JavaSparkContext sc;
  private final LongAccumulator examples;
  private final LongAccumulator minibatches;
  private final DoubleAccumulator lossSum;
  private final Duration stallTimeout;
  /** Latest accumulator values of running tasks, from heartbeats: taskId -> {examples, minibatches, loss}. */
  private final Map<Long, double[]> running = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "sparktune-training-monitor");
    t.setDaemon(true);
    return t;
  });

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
  private volatile double reportedMinibatches;
  private volatile double reportedLoss;

  public TrainingMonitor(JavaSparkContext sc, Duration progressInterval, Duration stallTimeout) {
    this.sc = sc;
    this.examples = sc.sc().longAccumulator("sparktune.examples");
    this.minibatches = sc.sc().longAccumulator("sparktune.minibatches");
    this.lossSum = sc.sc().doubleAccumulator("sparktune.loss-sum");
    this.stallTimeout = stallTimeout;
    sc.sc().addSparkListener(this);
    long every = Math.max(100, progressInterval.toMillis());
    timer.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
  }

  /** The listener to install in the training loop on the executors. */
  public TrainingListener executorListener() {
    return new ProgressListener(examples, minibatches, lossSum);
  }

  /** Starts counting a new epoch of {@code exampleCount} examples. */
  public void startEpoch(int epoch, int epochs, long exampleCount, int batchSize) {
    this.epoch = epoch;
    this.epochs = epochs;
    this.epochExamples = exampleCount;
    this.batchSize = batchSize;
    this.startExamples = totals()[0];
    this.epochStartNanos = System.nanoTime();
    this.lastProgressNanos = epochStartNanos;
    this.stalled = false;
  }

  /** Throws if the watchdog cancelled the epoch. */
  public void checkNotStalled() {
    if (stalled) {
      throw new IllegalStateException("Training made no progress for " + stallTimeout.toSeconds()
          + " s (training.stall-timeout) in epoch " + epoch + ", so its Spark jobs were cancelled. "
          + "DL4J's gradient sharing is known to hang this way; rerun with --resume to continue from the "
          + "last checkpoint, or use training.strategy = parameter-averaging.");
    }
  }

  /** Mean training loss over the minibatches finished since the previous call (NaN if none). */
  public double meanLossSinceLastCall() {
    double[] t = totals();
    double n = t[1] - lastMinibatches;
    double loss = n > 0 ? (t[2] - lastLoss) / n : Double.NaN;
    lastMinibatches = t[1];
    lastLoss = t[2];
    return loss;
  }

  private double[] totals() {
    double[] t = {examples.value(), minibatches.value(), lossSum.value()};
    for (double[] r : running.values()) {
      for (int i = 0; i < 3; i++) {
        t[i] += r[i];
      }
    }
    return t;
  }

  private void tick() {
    try {
      double[] t = totals();
      long now = System.nanoTime();
      if (t[0] != lastExamples) {
        lastExamples = t[0];
        lastProgressNanos = now;
        report(t, now);
      } else if (epochs > 0 && !stalled && now - lastProgressNanos > stallTimeout.toNanos()) {
        stalled = true;
        log.error("No training progress for {} s: cancelling the running Spark jobs.", stallTimeout.toSeconds());
        sc.sc().cancelAllJobs();
      }
    } catch (RuntimeException e) {
      log.debug("progress tick failed", e);
    }
  }

  private void report(double[] t, long now) {
    if (epochs == 0) {
      return;
    }
    double done = Math.max(0, t[0] - startExamples);
    double secs = (now - epochStartNanos) / 1e9;
    double rate = secs > 0 ? done / secs : 0;
    long steps = (long) Math.ceil(epochExamples / (double) batchSize);
    long step = (long) Math.ceil(done / batchSize);
    double window = t[1] - reportedMinibatches;
    double recent = window > 0 ? (t[2] - reportedLoss) / window : Double.NaN;
    reportedMinibatches = t[1];
    reportedLoss = t[2];
    double eta = rate > 0 ? Math.max(0, epochExamples - done) / rate : Double.NaN;
    log.info(String.format("epoch %d/%d | step %d/%d | loss %.4f | %,.0f examples/s | epoch ETA %s",
        epoch, epochs, Math.min(step, steps), steps, recent, rate, formatSeconds(eta)));
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
  public void onTaskEnd(SparkListenerTaskEnd end) {
    running.remove(end.taskInfo().taskId());
  }

  private double[] valuesOf(List<AccumulableInfo> infos) {
    double[] v = new double[3];
    boolean any = false;
    for (AccumulableInfo a : infos) {
      int i = a.id() == examples.id() ? 0 : a.id() == minibatches.id() ? 1 : a.id() == lossSum.id() ? 2 : -1;
      if (i >= 0 && a.update().isDefined()) {
        v[i] = ((Number) a.update().get()).doubleValue();
        any = true;
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
