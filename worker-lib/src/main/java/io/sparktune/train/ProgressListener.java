package io.sparktune.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs inside the DL4J training loop on every executor and counts finished minibatches, examples,
 * loss, non-finite losses and time in training steps into Spark accumulators, and every
 * {@code statsEvery} iterations samples per-layer gradient, update and parameter norms (gradient flow).
 * The driver reads the counters from executor heartbeats and task ends (see the driver's
 * TrainingMonitor), which gives progress lines during long tasks, detects stalls and divergence, and
 * feeds the per-epoch monitoring record.
 *
 * <p>Gradients are read in {@code onGradientCalculation}, before the updater runs; updates in
 * {@code iterationDone}, when the model's gradient view holds what the updater applied.
 *
 * <p>DL4J's gradient sharing keeps one training wrapper per executor JVM across fit() calls, and with it
 * the listener of the first task, whose accumulators belong to a task that has ended. For it
 * ({@code sharedAcrossTasks}) every deserialised listener makes itself the JVM's current one, and all
 * instances report into the current one's accumulators, which belong to the running task. Otherwise
 * (parameter averaging: a fresh listener per task, several tasks at once in one JVM) each instance
 * reports into its own.
 */
public final class ProgressListener extends BaseTrainingListener implements java.io.Serializable {
  private static final long serialVersionUID = 2L;

  private final LongAccumulator examples;
  private final LongAccumulator minibatches;
  private final DoubleAccumulator lossSum;
  private final LongAccumulator nonFiniteLosses;
  private final DoubleAccumulator stepSeconds;
  private final LongAccumulator timedSteps;
  private final LayerStatsAccumulator layerStats;
  private final int statsEvery;
  private final boolean sharedAcrossTasks;

  private static volatile ProgressListener current;
  /** Gaps between iterations longer than this are a pause (a new round), not a training step. */
  private static final long PAUSE_NANOS = 10_000_000_000L;
  /** ... and so are gaps this many times the mean step so far. */
  private static final double PAUSE_FACTOR = 20;

  /**
   * What one training thread of this listener remembers between callbacks. Step time is the gap
   * between consecutive iterations of one thread; the first iteration of a thread and pauses are not
   * timed, and the driver scales the mean timed step by all steps.
   */
  private static final class ThreadState {
    long lastIterationNanos;
    long iterations;
    long timed;
    double timedSeconds;
    Map<String, Double> pendingGradientNorms;
  }

  private transient ThreadLocal<ThreadState> state;

  /**
   * @param statsEvery sample gradient flow every this many iterations per training thread; 0 = never
   * @param sharedAcrossTasks report into the JVM's newest listener (gradient sharing), see above
   */
  public ProgressListener(LongAccumulator examples, LongAccumulator minibatches, DoubleAccumulator lossSum,
      LongAccumulator nonFiniteLosses, DoubleAccumulator stepSeconds, LongAccumulator timedSteps,
      LayerStatsAccumulator layerStats, int statsEvery, boolean sharedAcrossTasks) {
    this.examples = examples;
    this.minibatches = minibatches;
    this.lossSum = lossSum;
    this.nonFiniteLosses = nonFiniteLosses;
    this.stepSeconds = stepSeconds;
    this.timedSteps = timedSteps;
    this.layerStats = layerStats;
    this.statsEvery = statsEvery;
    this.sharedAcrossTasks = sharedAcrossTasks;
  }

  private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
    in.defaultReadObject();
    if (sharedAcrossTasks) {
      current = this;
    }
  }

  private ProgressListener sink() {
    ProgressListener c = current;
    return sharedAcrossTasks && c != null ? c : this;
  }

  private synchronized ThreadState state() {
    if (state == null) {
      state = ThreadLocal.withInitial(ThreadState::new);
    }
    return state.get();
  }

  @Override
  public void onGradientCalculation(Model model) {
    ThreadState st = state();
    if (statsEvery > 0 && st.iterations % statsEvery == 0) {
      st.pendingGradientNorms = normsByLayer(model, model.gradient().gradientForVariable());
    }
  }

  @Override
  public void iterationDone(Model model, int iteration, int epoch) {
    ProgressListener sink = sink();
    ThreadState st = state();
    long now = System.nanoTime();
    long gap = now - st.lastIterationNanos;
    if (st.lastIterationNanos != 0 && gap < PAUSE_NANOS
        && (st.timed < 3 || gap / 1e9 < PAUSE_FACTOR * st.timedSeconds / st.timed)) {
      st.timed++;
      st.timedSeconds += gap / 1e9;
      sink.stepSeconds.add(gap / 1e9);
      sink.timedSteps.add(1);
    }
    st.lastIterationNanos = now;
    sink.examples.add(model.batchSize());
    sink.minibatches.add(1);
    double score = model.score();
    if (Double.isFinite(score)) {
      sink.lossSum.add(score);
    } else {
      sink.nonFiniteLosses.add(1);
    }
    if (st.pendingGradientNorms != null) {
      sink.layerStats.add(sample(model, st.pendingGradientNorms));
      st.pendingGradientNorms = null;
    }
    st.iterations++;
  }

  /** One gradient-flow sample: per layer with parameters, the norms and the update/parameter ratio. */
  private static Map<String, double[]> sample(Model model, Map<String, Double> gradientNorms) {
    Map<String, Double> updateNorms = normsByLayer(model, model.gradient().gradientForVariable());
    Map<String, Double> paramNorms = normsByLayer(model, model.paramTable());
    Map<String, double[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, Double> e : paramNorms.entrySet()) {
      // frozen layers have no gradient variables: nothing flows, nothing is updated
      double g = gradientNorms.getOrDefault(e.getKey(), 0.0);
      double u = updateNorms.getOrDefault(e.getKey(), 0.0);
      double p = e.getValue();
      double ratio = p > 0 ? u / p : 0;
      boolean finite = Double.isFinite(g) && Double.isFinite(u) && Double.isFinite(p);
      out.put(e.getKey(), finite ? new double[] {g, u, p, ratio, 1, 0} : new double[] {0, 0, 0, 0, 0, 1});
    }
    return out;
  }

  /** L2 norm per layer over all of its variables ("0_W", "0_b" -> layer 0's name). */
  private static Map<String, Double> normsByLayer(Model model, Map<String, INDArray> variables) {
    Map<String, Double> squares = new LinkedHashMap<>();
    for (Map.Entry<String, INDArray> e : variables.entrySet()) {
      String key = e.getKey();
      int cut = key.lastIndexOf('_');
      String layer = layerName(model, cut > 0 ? key.substring(0, cut) : key);
      double n = e.getValue().norm2Number().doubleValue();
      squares.merge(layer, n * n, Double::sum);
    }
    Map<String, Double> norms = new LinkedHashMap<>();
    squares.forEach((k, v) -> norms.put(k, Math.sqrt(v)));
    return norms;
  }

  /** The name gradient-flow statistics use for the layer whose parameter keys start with {@code prefix}. */
  public static String layerName(Model model, String prefix) {
    if (model instanceof MultiLayerNetwork mln) {
      try {
        Layer l = mln.getLayer(Integer.parseInt(prefix));
        String name = l.conf().getLayer().getLayerName();
        return name != null ? name : prefix;
      } catch (NumberFormatException e) {
        return prefix;
      }
    }
    return prefix; // graph variables are already keyed by layer name
  }
}
