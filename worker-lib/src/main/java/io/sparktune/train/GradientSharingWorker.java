package io.sparktune.train;

import io.sparktune.model.Network;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One long-lived training task of synchronous gradient sharing: every step, each task computes the gradient
 * of its minibatch, the driver's hub returns the example-weighted mean over all tasks, and every task applies
 * that same mean with its own copy of the updater. The copies therefore stay identical (same parameters, same
 * Adam moments, same iteration) and one step equals one step of a single process on all tasks' minibatches
 * together: the training is plain large-batch training, only spread out. The exchange happens inside DL4J's
 * own {@code fit}, in a listener's {@code onGradientCalculation}, which DL4J calls after the backward pass
 * and before the updater, so regularisation, gradient normalisation and the updater all see the shared
 * gradient.
 *
 * <p>DL4J's gradients are sums over the minibatch's examples; its updater divides by the minibatch size.
 * A task therefore sends its gradient divided by its example count {@code n}, weighted by {@code n}, and
 * writes back the mean times {@code n}: after the updater's division each task holds the mean over every
 * task's examples. The epoch ends for all tasks at the first step after which some task has no minibatch
 * left (the partitions of a shuffled epoch differ by a few minibatches); the minibatches other tasks still
 * had are left out and counted ({@link Report#steps}).
 */
public final class GradientSharingWorker {
  private GradientSharingWorker() {}

  /**
   * Trains on {@code batches} from the serialised network {@code modelZip} and returns this task's report,
   * with the trained state (parameters and updater state, as {@link ExchangedState} lays them out) when
   * {@code worker} is 0: all tasks end with the same state.
   */
  public static AveragingWorker.Report train(Iterator<DataSet> batches, byte[] modelZip,
      Collection<TrainingListener> listeners, AveragingWorker.Settings s, int worker, int attempt,
      BooleanSupplier cancelled) throws IOException {
    long t0 = System.nanoTime();
    Network net = Network.restore(modelZip, true);
    s.seedRandom(worker);
    int length = Math.toIntExact(net.model().numParams());
    Iterator<DataSet> data = s.prefetch() > 0 ? new Prefetcher<>(batches, s.prefetch()) : batches;
    try (AveragingClient hub = AveragingClient.connect(s.hubHost(), s.hubPort(), s.epoch(), attempt, worker,
        s.workers(), length, cancelled)) {
      long setup = System.nanoTime() - t0;
      Sharing sharing = new Sharing(hub, length);
      List<TrainingListener> all = new ArrayList<>();
      all.add(sharing);
      all.addAll(listeners);
      net.model().setListeners(all);
      int steps = 0;
      long examples = 0;
      long compute = 0;
      long dataWait = 0;
      int status = AveragingProtocol.CONTINUE;
      while (status == AveragingProtocol.CONTINUE) {
        long a = System.nanoTime();
        DataSet batch = data.hasNext() ? data.next() : null;
        boolean last = batch == null || !data.hasNext();
        long b = System.nanoTime();
        dataWait += b - a;
        if (batch == null) {
          // no minibatch at all in this partition: end the epoch for everyone
          status = hub.exchange(0, true, null, sharing.mean);
          continue;
        }
        sharing.next(batch.numExamples(), last);
        net.fit(batch);
        compute += System.nanoTime() - b - sharing.takeExchangeNanos();
        status = sharing.status;
        steps++;
        examples += batch.numExamples();
      }
      long leftOut = 0;
      while (data.hasNext()) {
        leftOut += data.next().numExamples();
      }
      float[] state = null;
      if (worker == 0) {
        ExchangedState es = ExchangedState.of(net, true);
        state = es.gather(new float[es.length()]);
      }
      return new AveragingWorker.Report(worker, steps, examples, steps, setup, compute, dataWait, sharing.exchangeNanos,
          hub.bytesSent(), hub.bytesReceived(), length, leftOut, state);
    } finally {
      if (data instanceof Prefetcher<?> p) {
        p.close();
      }
    }
  }

  /** Replaces the model's gradient by the mean over all tasks, between DL4J's backward pass and its updater. */
  private static final class Sharing extends BaseTrainingListener {
    private final AveragingClient hub;
    private final float[] mine;
    final float[] mean;
    private int examples;
    private boolean last;
    int status = AveragingProtocol.CONTINUE;
    long exchangeNanos;
    private long pendingNanos;

    Sharing(AveragingClient hub, int length) {
      this.hub = hub;
      this.mine = new float[length];
      this.mean = new float[length];
    }

    void next(int examples, boolean last) {
      this.examples = examples;
      this.last = last;
    }

    long takeExchangeNanos() {
      long n = pendingNanos;
      pendingNanos = 0;
      return n;
    }

    @Override
    public void onGradientCalculation(Model model) {
      long a = System.nanoTime();
      INDArray g = model.gradient().gradient();
      float[] local = g.toFloatVector();
      float n = examples;
      for (int i = 0; i < local.length; i++) {
        mine[i] = local[i] / n;
      }
      try {
        status = hub.exchange(examples, last, mine, mean);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      for (int i = 0; i < mean.length; i++) {
        local[i] = mean[i] * n;
      }
      g.assign(Nd4j.createFromArray(local).reshape(g.ordering(), g.shape()).castTo(g.dataType()));
      long took = System.nanoTime() - a;
      exchangeNanos += took;
      pendingNanos += took;
    }
  }
}
