package io.sparktune.job;

import io.sparktune.checkpoint.CheckpointStore;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.data.BatchAssembler;
import io.sparktune.data.PreparedData;
import io.sparktune.eval.DistributedEvaluator;
import io.sparktune.eval.MetricsReport;
import io.sparktune.model.Network;
import io.sparktune.spark.SparkContexts;
import io.sparktune.technique.TechniquePlan;
import io.sparktune.train.GradientFlow;
import io.sparktune.train.LearningCheck;
import io.sparktune.train.TrainingMonitor;
import io.sparktune.train.TrainingStrategies;
import io.sparktune.train.TrainingStrategy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Epochs of distributed training with per-epoch validation, the learning check, checkpoints and early
 * stopping: the one training loop behind every fine-tune (and its head-only baseline).
 */
final class EpochLoop {
  private static final Logger log = LoggerFactory.getLogger(EpochLoop.class);

  private final FineTuneSettings s;
  private final JavaSparkContext sc;
  private final PreparedData data;
  private final BatchAssembler evalAssembler;
  private final int topK;
  private final CheckpointStore checkpoints;
  private final BiFunction<Integer, EpochLoop, Map<String, Object>> checkpointState;
  private final boolean earlyStopping;
  private final String strategyName;
  private final MetricsLog metricsLog;
  private final String phase;
  private final TechniquePlan plan;
  private EpochGate gate;

  final List<Map<String, Object>> history = new ArrayList<>();
  double best = Double.NEGATIVE_INFINITY;
  int bestEpoch;
  /** The epoch whose network {@link #run} returned, and whether it is the best validated one. */
  int savedEpoch;
  boolean savedIsBest;
  /** The best epoch's network when it came from a checkpoint (a resumed run); null otherwise. */
  private Network restoredBest;
  /** Time in the training strategy's epochs (what examples per second are measured against). */
  double trainingSeconds;
  /** Time of the whole loop: training, validation after every epoch, checks and checkpoints. */
  double loopSeconds;
  long examplesTrained;
  /** What this run's training tasks spilled (Spark's shuffle sorts), summed over the epochs it trained. */
  long spilledMemoryBytes;
  long spilledDiskBytes;

  /**
   * @param checkpoints where to checkpoint, or null for none
   * @param checkpointState the manifest state for a checkpoint after the given epoch of this loop
   * @param earlyStopping whether training.early-stopping applies (and the best model is kept)
   * @param strategyName the training strategy to use (normally training.strategy)
   * @param metricsLog where progress and epoch records go
   * @param phase names this loop's records in the log ("fine-tune", "head-only")
   * @param plan the fine-tuning techniques and per-layer learning rates of this loop
   */
  EpochLoop(FineTuneSettings s, JavaSparkContext sc, PreparedData data, CheckpointStore checkpoints,
      BiFunction<Integer, EpochLoop, Map<String, Object>> checkpointState, boolean earlyStopping, String strategyName,
      MetricsLog metricsLog, String phase, TechniquePlan plan) {
    this.s = s;
    this.sc = sc;
    this.data = data;
    this.evalAssembler = data.assembler(s.run().evalBatchSize());
    this.topK = Math.min(s.run().topK(), data.classes().size());
    this.checkpoints = checkpoints;
    this.checkpointState = checkpointState;
    this.earlyStopping = earlyStopping;
    this.strategyName = strategyName;
    this.metricsLog = metricsLog;
    this.phase = phase;
    this.plan = plan;
  }

  /** Asks {@code gate} after every epoch but the last whether to train on (sweeps' early stopping). */
  void setGate(EpochGate gate) {
    this.gate = gate;
  }

  Map<String, Object> evaluate(Network net) {
    if (data.regression()) {
      return DistributedEvaluator.evaluateRegression(sc, net, data.validation(), evalAssembler).toMap();
    }
    io.sparktune.eval.ClassificationResult e = DistributedEvaluator.evaluate(sc, net, data.validation(), evalAssembler, data.classes(), topK);
    return MetricsReport.toMap(e, data.classes(), topK);
  }

  /**
   * The metric that picks the best epoch and drives early stopping, higher is better: accuracy for
   * classification, R² for regression.
   */
  static double primary(Map<String, Object> metrics) {
    Object v = metrics.containsKey("accuracy") ? metrics.get("accuracy") : metrics.get("r2");
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  static String primaryName(Map<String, Object> metrics) {
    return metrics.containsKey("accuracy") ? "accuracy" : "R2";
  }

  /**
   * Continues from a checkpoint's history; {@code bestNetwork} is the best epoch's network when a checkpoint of it
   * is still kept (null otherwise).
   */
  void restore(List<Map<String, Object>> earlier, double bestAccuracy, int bestAt, Network bestNetwork) {
    history.addAll(earlier);
    best = bestAccuracy;
    bestEpoch = bestAt;
    restoredBest = bestNetwork;
  }

  /** Whether this loop keeps the best validated epoch's network (training.keep-model, or early stopping). */
  boolean keepsBest() {
    return earlyStopping && (s.training().keepBest() || s.training().patience() > 0);
  }

  /** Trains epochs {@code firstEpoch..epochs} from {@code start}; returns the final (or best) network. */
  Network run(Network start, int firstEpoch) {
    int workers = SparkContexts.workers(sc, s.spark());
    int epochs = s.training().epochs();
    int patience = earlyStopping ? s.training().patience() : 0;
    int batch = s.training().batchSizePerWorker();
    LearningCheck check = s.training().learningCheckExamples() == 0 ? null : new LearningCheck(
        data.train().takeSample(false, s.training().learningCheckExamples(), s.seed()), evalAssembler,
        s.training().maxLossRatio());
    Network net = start;
    Network bestNet = keepsBest() ? restoredBest : null;
    int lastEpoch = firstEpoch - 1;
    Map<String, Double> layerRates = plan.setsRates() ? setRates(net, firstEpoch, epochs) : Map.of();
    long trainStart = System.nanoTime();
    try (TrainingMonitor monitor = new TrainingMonitor(sc, s.training().progressInterval(), s.training().stallTimeout(),
             s.monitoring(), r -> {
               r.put("phase", phase);
               metricsLog.append("progress", r);
             });
         TrainingStrategy strategy = TrainingStrategies.create(sc, net, s.training(), strategyName, workers, s.seed())) {
      List<org.deeplearning4j.optimize.api.TrainingListener> listeners = new ArrayList<>(plan.workerListeners());
      listeners.add(monitor.executorListener(strategy.keepsWorkersAcrossTasks()));
      strategy.setListeners(listeners);
      log.info("Training: {} epochs, strategy {}, {} workers, batch size {} per worker, {} of {} parameters trainable",
          epochs, strategy.name(), workers, batch, net.trainableParams(), net.numParams());
      for (int epoch = firstEpoch; epoch <= epochs; epoch++) {
        long t0 = System.nanoTime();
        if (epoch > firstEpoch && plan.variesByEpoch()) {
          layerRates = setRates(strategy.network(), epoch, epochs);
        }
        monitor.startEpoch(epoch, epochs, plan.sampling().examplesPerEpoch(data.trainCount()), batch);
        Map<Integer, org.nd4j.linalg.api.ndarray.INDArray> paused = plan.pausedParameters(strategy.network());
        try {
          strategy.fitEpoch(data.trainingBatches(s.seed(), epoch, workers, batch, plan.sampling()));
        } catch (Exception e) {
          // Spark's exceptions are checked ones thrown from Scala: catch them all to explain a stall
          monitor.checkHealthy();
          throw e;
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        trainingSeconds += secs;
        // taken before validation, whose tasks would otherwise count as training time
        Map<String, Object> times = monitor.epochTimes(secs, workers);
        double trainLoss = monitor.meanLossSinceLastCall();
        monitor.checkEpochLoss(trainLoss);
        examplesTrained += plan.sampling().examplesPerEpoch(data.trainCount());
        net = strategy.network();
        if (plan.restorePaused(net, paused) > 0) {
          log.debug("Epoch {}: put paused layers' parameters back after averaging rounded them.", epoch);
        }
        if (check != null) {
          check.verify(net, trainLoss, strategy, epoch);
        }
        Map<String, Object> h = record(epoch, epochs, trainLoss, evaluate(net), secs);
        h.put("learning-rate", net.learningRate());
        if (!layerRates.isEmpty()) {
          h.put("layer-learning-rates", layerRates);
        }
        h.put("time-seconds", times);
        Map<String, Object> breakdown = strategy.epochBreakdown();
        if (!breakdown.isEmpty()) {
          h.put("strategy-breakdown", breakdown);
        }
        h.put("executors", monitor.epochExecutors());
        Map<String, Long> spill = monitor.epochSpill();
        h.put("spilled-bytes", spill);
        spilledMemoryBytes += spill.get("memory");
        spilledDiskBytes += spill.get("disk");
        List<Map<String, Object>> flow = GradientFlow.summarise(monitor.epochLayerStats(), net.trainableLayerNames(),
            s.monitoring());
        h.put("gradient-flow", flow);
        GradientFlow.warnings(flow, s.monitoring()).forEach(w -> log.warn("Gradient flow, epoch {}: {}", h.get("epoch"), w));
        double accuracy = ((Number) h.get(data.regression() ? "validation-r2" : "validation-accuracy")).doubleValue();
        lastEpoch = epoch;
        if (accuracy > best + s.training().minDelta()) {
          best = accuracy;
          bestEpoch = epoch;
          bestNet = keepsBest() ? net.copy() : null;
        }
        boolean stop = patience > 0 && epoch - bestEpoch >= patience;
        boolean gated = !stop && gate != null && epoch < epochs && !gate.proceed(epoch, h);
        stop |= gated;
        int plateau = s.monitoring().plateauEpochs();
        if (!stop && plateau > 0 && epoch - bestEpoch == plateau) {
          log.warn("Plateau: the validation metric has not improved for {} epochs (best {} at epoch {}). Try a lower "
              + "training.learning-rate, unfreezing more layers (model.adapt.freeze-up-to), or early stopping "
              + "(training.early-stopping.patience).", plateau, String.format("%.4f", best), bestEpoch);
          h.put("plateau", true);
        }
        Map<String, Object> epochRecord = new LinkedHashMap<>();
        epochRecord.put("phase", phase);
        epochRecord.putAll(h);
        metricsLog.append("epoch", epochRecord);
        metricsLog.flush();
        int every = s.run().checkpointEvery();
        if (checkpoints != null && (epoch == epochs || stop || (every > 0 && epoch % every == 0))) {
          checkpoints.save(epoch, net, data.normalizer(), checkpointState.apply(epoch, this));
        }
        if (gated) {
          log.info("Stopped after epoch {} by the sweep's early-stopping rule.", epoch);
          break;
        }
        if (stop) {
          log.info("Early stopping after epoch {}: no improvement over {} for {} epochs.", epoch,
              String.format("%.4f", best), patience);
          break;
        }
      }
    }
    loopSeconds = (System.nanoTime() - trainStart) / 1e9;
    if (bestNet != null && bestEpoch != lastEpoch) {
      log.info("Keeping the best model: epoch {} (validation {} {}), not the last epoch {}.", bestEpoch,
          data.regression() ? "R2" : "accuracy", String.format("%.4f", best), lastEpoch);
      savedEpoch = bestEpoch;
      savedIsBest = true;
      return bestNet;
    }
    savedEpoch = lastEpoch;
    savedIsBest = bestEpoch == lastEpoch;
    if (keepsBest() && !savedIsBest) {
      log.warn("The best epoch ({}) was trained before --resume and its checkpoint is no longer kept "
          + "(checkpoint.keep): the last epoch's model ({}) is saved instead.", bestEpoch, lastEpoch);
    }
    return net;
  }

  /** Sets the plan's per-layer learning rates of {@code epoch} on the network (before the epoch trains). */
  private Map<String, Double> setRates(Network net, int epoch, int epochs) {
    Map<String, Double> rates = plan.applyRates(net, epoch, epochs);
    StringBuilder sb = new StringBuilder();
    rates.forEach((layer, lr) -> sb.append(sb.length() == 0 ? "" : ", ").append(layer).append(' ')
        .append(lr == 0 ? "paused" : String.format("%.3g", lr)));
    log.info("Epoch {}: learning rates {} ({} schedule{})", epoch, sb, s.training().lrSchedule().type(),
        plan.names().isEmpty() ? "" : "; " + String.join(", ", plan.names()));
    return rates;
  }

  private Map<String, Object> record(int epoch, int epochs, double trainLoss, Map<String, Object> val, double secs) {
    double accuracy = primary(val);
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("epoch", epoch);
    h.put("train-loss", Double.isNaN(trainLoss) ? null : trainLoss);
    if (data.regression()) {
      h.put("validation-r2", accuracy);
      h.put("validation-rmse", val.get("rmse"));
    } else {
      h.put("validation-accuracy", accuracy);
      h.put("validation-macro-f1", val.get("macro-f1"));
    }
    h.put("seconds", secs);
    long examples = plan.sampling().examplesPerEpoch(data.trainCount());
    h.put("examples-per-second", examples / secs);
    history.add(h);
    log.info(String.format("epoch %d/%d done | train loss %.4f | validation %s %.4f | %.1f s | %,.0f examples/s",
        epoch, epochs, trainLoss, primaryName(val), accuracy, secs, examples / secs));
    return h;
  }
}
