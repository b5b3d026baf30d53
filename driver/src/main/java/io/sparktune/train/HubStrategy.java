package io.sparktune.train;

import io.sparktune.config.TrainingSettings;
import io.sparktune.model.Network;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Function1;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag$;

/**
 * sparktune's own data-parallel training in long-lived tasks: one Spark barrier stage per epoch runs one
 * task per worker; each trains its partition of the minibatches and exchanges with the others through the
 * driver's {@link AveragingHub}, in one of two ways ({@link Exchange}):
 * <ul>
 *   <li>parameter averaging: every {@code averaging-frequency} minibatches the tasks average parameters and
 *       updater state ({@link AveragingWorker}). The arithmetic is DL4J's parameter averaging (Adam's
 *       moments averaged too); what differs is that the rounds cost a TCP exchange instead of a Spark job, a
 *       broadcast and a result collection each, which is where DL4J's ParameterAveragingTrainingMaster loses
 *       most of its time (README, Performance).
 *   <li>gradient sharing: every step the tasks exchange either their dense gradients, each applying the
 *       mean with its own updater, which makes a step equal to a single process's step on all tasks'
 *       minibatches together, or their one-bit compressed updates, about 1/28 of the bytes
 *       ({@link GradientSharingWorker}); either way the parameters stay the same on all tasks (with one-bit,
 *       each task's updater state follows its own gradients, and the driver keeps task 0's).
 * </ul>
 *
 * <p>Barrier mode makes Spark start all tasks together (a round needs every task). When a task fails,
 * Spark aborts the whole barrier stage; when the cause is a lost executor, the epoch is trained again
 * from its start as a new job ({@link #fitEpoch}), and the hub's new session ignores the old rounds.
 */
public final class HubStrategy implements TrainingStrategy {
  private static final Logger log = LoggerFactory.getLogger(HubStrategy.class);
  /** Quantiles of the tasks' busy time per round kept in each epoch's breakdown (every percentile). */
  static final int BUSY_QUANTILES = 101;

  /** What the tasks exchange through the hub. */
  public enum Exchange {
    /** Parameters and updater state, every averaging-frequency minibatches (training.strategy = parameter-averaging). */
    PARAMETERS,
    /** Gradients, every step (training.strategy = gradient-sharing, implementation sparktune). */
    GRADIENTS
  }

  private final JavaSparkContext sc;
  private final Network net;
  private final TrainingSettings t;
  private final int workers;
  private final AveragingHub hub;
  private final HubCredential credential;
  private final Exchange exchange;
  private final long seed;
  private List<TrainingListener> listeners = List.of();
  private Map<String, Object> lastEpoch = Map.of();

  /** @param seed the run's seed: with the epoch it seeds the tasks' random generators (dropout) */
  public HubStrategy(JavaSparkContext sc, Network net, TrainingSettings t, int workers, Exchange exchange, long seed) {
    this.sc = sc;
    this.exchange = exchange;
    this.seed = seed;
    if (exchange == Exchange.GRADIENTS) {
      requireOneGradientPerFit(net);
      if (t.sharingEncoding() == SharingEncoding.ONE_BIT) {
        oneBitSegments(net);
      }
    }
    this.net = net;
    this.t = t;
    this.workers = workers;
    String host = t.hubAddress().isBlank()
        ? (sc.isLocal() ? "127.0.0.1" : sc.getConf().get("spark.driver.host", "127.0.0.1")) : t.hubAddress();
    this.credential = HubCredential.forRun(sc.getConf().getBoolean("spark.authenticate", false));
    this.hub = new AveragingHub(bindAddress(sc), t.hubPort(), host, credential.key());
  }

  /**
   * Where the hub listens: on the loopback interface in local mode, otherwise where Spark's driver binds
   * ({@code spark.driver.bindAddress}, which defaults to {@code spark.driver.host}), not on every interface.
   */
  static String bindAddress(JavaSparkContext sc) {
    if (sc.isLocal()) {
      return "127.0.0.1";
    }
    return sc.getConf().get("spark.driver.bindAddress", sc.getConf().get("spark.driver.host", "0.0.0.0"));
  }

  /** The hub's port (tests). */
  int hubPort() {
    return hub.port();
  }

  /** Connections the hub refused so far (tests). */
  long hubRefusals() {
    return hub.refusals().total();
  }

  @Override
  public String name() {
    return exchange == Exchange.GRADIENTS ? "gradient-sharing" : "parameter-averaging";
  }

  /**
   * Trains one epoch; when an executor is lost during it, trains the epoch again from its start (the
   * driver's network is only replaced by a completed epoch), up to spark.task.maxFailures attempts. Spark
   * itself never re-runs a failed barrier result stage: it aborts the job.
   */
  @Override
  public void fitEpoch(JavaRDD<DataSet> batches) {
    int attempts = Math.max(1, sc.getConf().getInt("spark.task.maxFailures", 4));
    for (int attempt = 1; ; attempt++) {
      try {
        fitEpochOnce(batches);
        return;
      } catch (Exception e) { // SparkException is checked but thrown undeclared from Scala
        if (attempt >= attempts || !executorLost(e)) {
          throw e;
        }
        log.warn("An executor was lost during the epoch ({}); training the epoch again from its start, attempt {} "
            + "of {} (spark.task.maxFailures).", firstLine(e), attempt + 1, attempts);
      }
    }
  }

  /** Whether a failed job failed because an executor went away (not because of what the tasks did). */
  public static boolean executorLost(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("ExecutorLostFailure")) {
        return true;
      }
    }
    return false;
  }

  private static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl > 0 ? m.substring(0, nl) : m;
  }

  private void fitEpochOnce(JavaRDD<DataSet> batches) {
    long t0 = System.nanoTime();
    JavaRDD<DataSet> parts = batches.getNumPartitions() == workers ? batches : batches.repartition(workers);
    boolean gradients = exchange == Exchange.GRADIENTS;
    boolean withUpdater = gradients || t.averageUpdaterState();
    ExchangedState state = ExchangedState.of(net, withUpdater);
    Broadcast<byte[]> model = sc.broadcast(serialise(net));
    long shipped = System.nanoTime();
    int exchanged = gradients ? Math.toIntExact(net.model().numParams()) : state.length();
    SharingEncoding encoding = gradients ? t.sharingEncoding() : SharingEncoding.DENSE;
    // the segments are taken every epoch: the layers that train can change between epochs (progressive unfreezing)
    AveragingHub.Payload payload = encoding == SharingEncoding.ONE_BIT
        ? AveragingHub.Payload.oneBit(oneBitSegments(net)) : AveragingHub.Payload.dense(exchanged);
    AveragingHub.Refusals refusedBefore = hub.refusals();
    try (AveragingHub.Session session = hub.open(workers, gradients, payload)) {
      AveragingWorker.Settings settings = new AveragingWorker.Settings(hub.host(), hub.port(), credential,
          session.id(), workers,
          gradients ? 1 : t.averagingFrequency(), withUpdater, gradients ? t.sharingPrefetch() : t.averagingPrefetch(),
          io.sparktune.data.Splits.mix(seed + 0x5EED_0000L * (net.epochCount() + 1)), encoding);
      List<AveragingWorker.Report> reports = parts.rdd().barrier()
          .mapPartitions(task(model, listeners, settings, gradients), false,
              ClassTag$.MODULE$.apply(AveragingWorker.Report.class))
          .toJavaRDD().collect();
      AveragingHub.Attempt done = session.completed();
      if (done == null) {
        throw new IllegalStateException("The " + name() + " stage finished but no round completed: the epoch had no "
            + "training data.");
      }
      if (gradients) {
        requireEveryTaskTrained(reports, encoding == SharingEncoding.ONE_BIT);
        float[] trained = reports.stream().filter(r -> r.state() != null).map(AveragingWorker.Report::state)
            .findFirst().orElseThrow(() -> new IllegalStateException("Gradient sharing: task 0 returned no model."));
        if (trained.length != state.length()) {
          throw new IllegalStateException("Gradient sharing: task 0 returned " + trained.length + " values, the "
              + "driver's network has " + state.length() + ".");
        }
        state.scatter(trained);
      } else {
        state.scatter(done.finalState);
        if (!withUpdater) {
          adoptUpdaterStateOfTaskZero(reports);
        }
      }
      warnIfManyLeftOut(reports);
      int steps = reports.stream().mapToInt(AveragingWorker.Report::steps).max().orElse(0);
      net.advanceCounters(steps, 1);
      AveragingHub.Refusals refused = hub.refusals().since(refusedBefore);
      if (refused.total() > 0) {
        log.warn("The averaging hub refused {} connection(s) during this epoch ({}): something other than this run's "
            + "tasks connects to port {}. Nothing it sent reached the model.", refused.total(), refused, hub.port());
      }
      lastEpoch = breakdown(reports, done, encoding, (shipped - t0) / 1e9, (System.nanoTime() - t0) / 1e9);
      lastEpoch.put("hub-refused-connections", refused.total());
      log.debug("{} epoch: {}", name(), lastEpoch);
    } finally {
      model.destroy();
    }
  }

  /**
   * Parameter averaging without updater averaging: each task's updater state followed its own gradients; the
   * driver (and so the next epoch and the checkpoint) continues with task 0's, as gradient sharing does.
   */
  private void adoptUpdaterStateOfTaskZero(List<AveragingWorker.Report> reports) {
    org.nd4j.linalg.api.ndarray.INDArray mine = net.updaterState();
    if (mine == null) {
      return; // an updater without state (plain SGD)
    }
    float[] taskZero = reports.stream().filter(r -> r.worker() == 0).map(AveragingWorker.Report::state)
        .filter(java.util.Objects::nonNull).findFirst()
        .orElseThrow(() -> new IllegalStateException("Parameter averaging: task 0 returned no updater state."));
    if (taskZero.length != mine.length()) {
      throw new IllegalStateException("Parameter averaging: task 0 returned " + taskZero.length + " updater values, "
          + "the driver's network has " + mine.length() + ".");
    }
    mine.assign(org.nd4j.linalg.factory.Nd4j.createFromArray(taskZero).reshape(mine.ordering(), mine.shape())
        .castTo(mine.dataType()));
  }

  /**
   * Where one-bit gradient sharing finds the parameters that train in the network's flat vector; refuses a
   * network whose parameters are not slices of it.
   */
  private static ExchangedState.Segments oneBitSegments(Network net) {
    try {
      return ExchangedState.of(net, false).parameterSegments(net.model().params());
    } catch (IllegalStateException e) {
      throw new io.sparktune.BadInputException(e.getMessage() + " Use training.gradient-sharing.encoding = dense.");
    }
  }

  /**
   * sparktune's gradient sharing exchanges one gradient per minibatch, between DL4J's backward pass and its
   * updater, and relies on the updater dividing by the minibatch size: truncated backpropagation through
   * time (several updates per minibatch), line-search optimisers (several gradients per step) and
   * miniBatch(false) networks break those assumptions and are refused.
   */
  private static void requireOneGradientPerFit(Network net) {
    org.deeplearning4j.nn.conf.BackpropType backprop = net.isGraph()
        ? net.graph().getConfiguration().getBackpropType()
        : net.multiLayer().getLayerWiseConfigurations().getBackpropType();
    org.deeplearning4j.nn.conf.NeuralNetConfiguration conf = net.isGraph()
        ? net.graph().getConfiguration().getDefaultConfiguration()
        : net.multiLayer().getLayerWiseConfigurations().getConf(0);
    String problem = backprop == org.deeplearning4j.nn.conf.BackpropType.TruncatedBPTT
        ? "trains with truncated backpropagation through time (several updates per minibatch)"
        : conf.getOptimizationAlgo() != org.deeplearning4j.nn.api.OptimizationAlgorithm.STOCHASTIC_GRADIENT_DESCENT
            ? "uses the optimisation algorithm " + conf.getOptimizationAlgo() + " (several gradients per step)"
            : !conf.isMiniBatch() ? "has miniBatch(false) (gradients not averaged over the minibatch)" : null;
    if (problem != null) {
      throw new io.sparktune.BadInputException("The model " + problem + ", which sparktune's gradient sharing cannot "
          + "exchange (one mean gradient per minibatch); use training.strategy = parameter-averaging.");
    }
  }

  /**
   * Gradient sharing ends the epoch for every task when the first runs out of minibatches, so every task made
   * the same steps, unless a partition had none at all: then the others made one step that task 0 may not
   * have made, and the epoch is refused rather than a model of unknown state taken. With one-bit encoding
   * ({@code identical}) every task set its parameters to the same values in every step, so their hashes must
   * agree (dense tasks agree only up to rounding).
   */
  private void requireEveryTaskTrained(List<AveragingWorker.Report> reports, boolean identical) {
    int min = reports.stream().mapToInt(AveragingWorker.Report::steps).min().orElse(0);
    int max = reports.stream().mapToInt(AveragingWorker.Report::steps).max().orElse(0);
    if (min == 0 || min != max) {
      throw new io.sparktune.BadInputException("Gradient sharing: a partition of the epoch had no minibatch (steps "
          + "per task from " + min + " to " + max + "), so the epoch stops at once for every task. Give every one of "
          + "the " + workers + " workers at least one minibatch: more training examples, fewer workers "
          + "(sparktune.spark.workers) or a smaller training.batch-size-per-worker.");
    }
    if (identical && reports.stream().mapToInt(AveragingWorker.Report::parametersHash).distinct().count() > 1) {
      throw new IllegalStateException("Gradient sharing: the workers ended the epoch with different parameters, "
          + "though every step applies the same mean on all of them. This is a bug in sparktune; the epoch's result "
          + "is not used.");
    }
  }

  /**
   * Every task stops after the round in which the first runs out of minibatches (so that no task trains on
   * alone, unaveraged, to the epoch's end); warns when that left out more than a few minibatches' worth.
   */
  private void warnIfManyLeftOut(List<AveragingWorker.Report> reports) {
    long trained = reports.stream().mapToLong(AveragingWorker.Report::examples).sum();
    long left = reports.stream().mapToLong(AveragingWorker.Report::examplesLeftOut).sum();
    if (left > 0.05 * (trained + left)) {
      log.warn("{} left out {} of {} examples this epoch ({}%): its partitions differ in size by more than the "
          + "usual few minibatches, and every task stops when the first runs out.", name(), left, trained + left,
          Math.round(100.0 * left / (trained + left)));
    }
  }

  private static byte[] serialise(Network net) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
    net.save(out, true, null);
    return out.toByteArray();
  }

  /** The barrier task: train this partition, return its report. Static so that it captures only what it names. */
  private static Function1<scala.collection.Iterator<DataSet>, scala.collection.Iterator<AveragingWorker.Report>> task(
      Broadcast<byte[]> model, List<TrainingListener> listeners, AveragingWorker.Settings settings, boolean gradients) {
    return (Function1<scala.collection.Iterator<DataSet>, scala.collection.Iterator<AveragingWorker.Report>>
        & Serializable) it -> {
      BarrierTaskContext ctx = BarrierTaskContext.get();
      try {
        AveragingWorker.Report r = gradients
            ? GradientSharingWorker.train(JavaConverters.asJavaIterator(it), model.value(), listeners, settings,
                ctx.partitionId(), ctx.stageAttemptNumber(), ctx::isInterrupted)
            : AveragingWorker.train(JavaConverters.asJavaIterator(it), model.value(), listeners, settings,
                ctx.partitionId(), ctx.stageAttemptNumber(), ctx::isInterrupted);
        return JavaConverters.asScalaIterator(List.of(r).iterator());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }

  /** Where the epoch's time went, per worker (mean over workers), and what the rounds sent. */
  private static Map<String, Object> breakdown(List<AveragingWorker.Report> reports, AveragingHub.Attempt done,
      SharingEncoding encoding, double shipSeconds, double wallSeconds) {
    double n = Math.max(1, reports.size());
    double setup = 0, compute = 0, dataWait = 0, exchange = 0, sent = 0, received = 0, steps = 0;
    for (AveragingWorker.Report r : reports) {
      setup += r.setupNanos() / 1e9 / n;
      compute += r.computeNanos() / 1e9 / n;
      dataWait += r.dataWaitNanos() / 1e9 / n;
      exchange += r.exchangeNanos() / 1e9 / n;
      sent += r.bytesSent();
      received += r.bytesReceived();
      steps += r.steps();
    }
    double straggler = done.spreadNanos / 1e9;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("wall", wallSeconds);
    m.put("model-serialise-and-broadcast", shipSeconds);
    m.put("task-model-setup", setup);
    m.put("compute", compute);
    m.put("data-wait", dataWait);
    m.put("averaging", Math.max(0, exchange - straggler));
    m.put("waiting-for-slowest-worker", Math.min(exchange, straggler));
    m.put("spark-scheduling-and-driver", Math.max(0, wallSeconds - shipSeconds - setup - compute - dataWait - exchange));
    m.put("rounds", done.rounds);
    m.put("workers", reports.size());
    m.put("steps-per-worker", steps / n);
    m.put("state-values", reports.isEmpty() ? 0 : reports.get(0).stateLength());
    m.put("examples-left-out", reports.stream().mapToLong(AveragingWorker.Report::examplesLeftOut).sum());
    m.put("bytes-sent-per-worker-step", steps == 0 ? 0 : sent / steps);
    m.put("bytes-received-per-worker-step", steps == 0 ? 0 : received / steps);
    m.put("encoding", encoding.configName());
    // the scaling model's inputs (io.sparktune.bench.ScalingModel): how a round's time is made up
    m.put("seconds-per-round", done.times.secondsPerRound());
    m.put("hub-seconds-per-round", done.times.hubSecondsPerRound());
    m.put("round-busy-quantiles-s", done.times.busyQuantilesSeconds(BUSY_QUANTILES));
    return m;
  }

  @Override
  public Map<String, Object> epochBreakdown() {
    return lastEpoch;
  }

  @Override
  public Network network() {
    return net;
  }

  @Override
  public void setListeners(Collection<TrainingListener> listeners) {
    this.listeners = new ArrayList<>(listeners);
  }

  @Override
  public void close() {
    hub.close();
  }
}
