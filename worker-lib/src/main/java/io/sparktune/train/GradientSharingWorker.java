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
 *
 * <p>With one-bit encoding ({@link AveragingWorker.Settings#encoding}) a step sends about 1/28 of the
 * bytes and is no longer exact: each task applies its own updater to its own gradient, adds the resulting
 * update to a residual and sends the residual's signs with one scale per block ({@link OneBitEncoder});
 * the hub averages the decoded updates and compresses the mean the same way, with a residual of its own;
 * every task then sets its parameters to the step's starting point minus that mean. The parameters stay
 * identical on all tasks; each task's updater state follows its own gradients. What is not sent in a step
 * stays in a residual and goes out in the next ones (error feedback: 1-bit SGD, Seide et al. 2014; 1-bit
 * Adam, Tang et al. 2021, for both ends). Only parameters that can change travel. Compressing the update
 * after the updater rather than the gradient before it matters for Adam: compressed gradients would reach
 * Adam's per-entry normalisation with the compression's error in them. Residuals still unsent when the
 * epoch ends (about one step's worth) are dropped.
 */
public final class GradientSharingWorker {
  private GradientSharingWorker() {}

  /**
   * Trains on {@code batches} from the serialised network {@code modelZip} and returns this task's report,
   * with the trained state (parameters and updater state, as {@link ExchangedState} lays them out) when
   * {@code worker} is 0: all tasks end with the same parameters.
   */
  public static AveragingWorker.Report train(Iterator<DataSet> batches, byte[] modelZip,
      Collection<TrainingListener> listeners, AveragingWorker.Settings s, int worker, int attempt,
      BooleanSupplier cancelled) throws IOException {
    long t0 = System.nanoTime();
    Network net = Network.restore(modelZip, true);
    s.seedRandom(worker);
    int length = Math.toIntExact(net.model().numParams());
    Iterator<DataSet> data = s.prefetch() > 0 ? new Prefetcher<>(batches, s.prefetch()) : batches;
    ExchangedState.Segments segments = s.encoding() == SharingEncoding.ONE_BIT
        ? ExchangedState.of(net, false).parameterSegments(net.model().params()) : null;
    int exchanged = segments == null ? length : segments.total();
    try (AveragingClient hub = AveragingClient.connect(s.hubHost(), s.hubPort(), s.credential().key(), s.epoch(), attempt, worker,
        s.workers(), exchanged, cancelled)) {
      long setup = System.nanoTime() - t0;
      Sharing sharing = segments != null ? new OneBitUpdates(hub, segments) : new DenseGradients(hub, length);
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
          status = sharing.sitOut();
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
          hub.bytesSent(), hub.bytesReceived(), exchanged, leftOut, state,
          java.util.Arrays.hashCode(net.model().params().toFloatVector()));
    } finally {
      if (data instanceof Prefetcher<?> p) {
        p.close();
      }
    }
  }

  /** A listener that takes part in one exchange per {@code fit}, and what the exchanges cost. */
  private abstract static class Sharing extends BaseTrainingListener {
    final AveragingClient hub;
    int examples;
    boolean last;
    int status = AveragingProtocol.CONTINUE;
    long exchangeNanos;
    private long pendingNanos;

    Sharing(AveragingClient hub) {
      this.hub = hub;
    }

    void next(int examples, boolean last) {
      this.examples = examples;
      this.last = last;
    }

    /** Takes part in a round without a minibatch (an empty partition), which ends the epoch. */
    abstract int sitOut() throws IOException;

    void took(long nanos) {
      exchangeNanos += nanos;
      pendingNanos += nanos;
    }

    long takeExchangeNanos() {
      long n = pendingNanos;
      pendingNanos = 0;
      return n;
    }
  }

  /** Replaces the model's gradient by the mean over all tasks, between DL4J's backward pass and its updater. */
  private static final class DenseGradients extends Sharing {
    private final float[] mine;
    private final float[] mean;

    DenseGradients(AveragingClient hub, int length) {
      super(hub);
      this.mine = new float[length];
      this.mean = new float[length];
    }

    @Override
    int sitOut() throws IOException {
      return hub.exchange(0, true, (float[]) null, mean);
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
      took(System.nanoTime() - a);
    }
  }

  /**
   * After DL4J's step, replaces the parameters by the step's starting point minus the hub's one-bit mean of
   * all tasks' one-bit updates (error feedback on both ends keeps what was not sent). Only
   * parameters that can change travel.
   */
  private static final class OneBitUpdates extends Sharing {
    private final int[] starts;
    private final int[] lengths;
    private final OneBitEncoder encoder;
    private final OneBitEncoder.Message mine;
    private final OneBitEncoder.Message mean;
    private final float[] update;
    private final float[] applied;
    private float[] start;

    OneBitUpdates(AveragingClient hub, ExchangedState.Segments segments) {
      super(hub);
      this.starts = segments.starts();
      this.lengths = segments.lengths();
      this.encoder = new OneBitEncoder(lengths, segments.blockSizes());
      this.mine = encoder.newMessage();
      this.mean = encoder.newMessage();
      this.update = new float[encoder.length()];
      this.applied = new float[encoder.length()];
    }

    @Override
    int sitOut() throws IOException {
      return hub.exchange(0, true, (OneBitEncoder.Message) null, mean);
    }

    @Override
    public void onGradientCalculation(Model model) {
      // called before the updater and the step: remember where the step starts
      start = model.params().toFloatVector();
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
      long a = System.nanoTime();
      // DL4J's updater turned the gradient view into the update, and the step subtracted it
      float[] full = model.gradient().gradient().toFloatVector();
      for (int k = 0, at = 0; k < starts.length; at += lengths[k], k++) {
        System.arraycopy(full, starts[k], update, at, lengths[k]);
      }
      encoder.encode(update, mine);
      try {
        status = hub.exchange(examples, last, mine, mean);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      float[] next = start;
      if (hub.receivedMean()) {
        encoder.decode(mean, applied);
        for (int k = 0, at = 0; k < starts.length; at += lengths[k], k++) {
          for (int j = 0; j < lengths[k]; j++) {
            next[starts[k] + j] -= applied[at + j];
          }
        }
      }
      INDArray p = model.params();
      p.assign(Nd4j.createFromArray(next).reshape(p.ordering(), p.shape()).castTo(p.dataType()));
      took(System.nanoTime() - a);
    }
  }
}
