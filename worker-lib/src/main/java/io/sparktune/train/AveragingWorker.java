package io.sparktune.train;

import io.sparktune.model.Network;
import java.io.IOException;
import java.io.Serializable;
import java.util.Collection;
import java.util.Iterator;
import java.util.function.BooleanSupplier;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * One long-lived training task of synchronous parameter averaging: it trains a copy of the network on its
 * partition of the epoch's minibatches and, every {@code frequency} minibatches, replaces its parameters
 * (and, when asked, its updater state) by the example-weighted mean over all tasks, exchanged through the
 * driver's averaging hub. Without updater averaging each task keeps its own updater state (Adam's moments
 * follow its own gradients, as in one-bit gradient sharing), and task 0 returns its state at the end. One Spark task per worker per epoch, however many rounds (DL4J's parameter averaging runs one
 * Spark job per round, and pays for scheduling, broadcast and result collection every time).
 */
public final class AveragingWorker {
  private AveragingWorker() {}

  /**
   * What a task needs besides its data (small and immutable; the model travels as a broadcast).
   *
   * @param hubHost the driver's averaging hub
   * @param hubPort its TCP port
   * @param credential how the task proves that it belongs to the run (the key stays in memory)
   * @param epoch the hub's session for this epoch
   * @param workers tasks taking part
   * @param frequency minibatches between averaging rounds
   * @param withUpdater average the updater state too (otherwise each task keeps its own)
   * @param prefetch minibatches assembled ahead on a second thread (0 = none)
   * @param randomSeed this epoch's seed of ND4J's random generator (dropout masks); each task mixes in its index
   * @param encoding gradient sharing: dense (exact gradients) or one-bit (updates compressed with error
   *     feedback), see {@link GradientSharingWorker}
   */
  public record Settings(String hubHost, int hubPort, HubCredential credential, long epoch, int workers,
      int frequency, boolean withUpdater, int prefetch, long randomSeed, SharingEncoding encoding)
      implements Serializable {

    /**
     * Seeds the calling thread's ND4J generator for task {@code worker}: a run is reproducible (the pooled
     * task thread's generator would otherwise carry whatever earlier work left in it) and the tasks draw
     * different dropout masks.
     */
    void seedRandom(int worker) {
      org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(io.sparktune.data.Splits.mix(randomSeed + 0x9E37_79B9L * (worker + 1)));
    }
  }

  /**
   * What one task did, for the driver's time breakdown and traffic figures. Times in nanoseconds.
   *
   * @param setupNanos reading the broadcast model and connecting
   * @param computeNanos fitting minibatches
   * @param dataWaitNanos waiting for the next minibatch (shuffle read, decoding, assembly)
   * @param exchangeNanos in averaging rounds: sending, waiting for the slowest task, receiving, applying
   * @param examplesLeftOut examples of this task's partition it did not train on (the epoch ends for every
   *     task after the round in which the first one runs out of minibatches)
   * @param state what the driver takes from this task, when anything: gradient sharing's task 0 returns its
   *     trained state as {@link ExchangedState} lays it out (parameters and updater state); parameter
   *     averaging's task 0 returns its updater state when that was not averaged (the hub holds the parameters);
   *     null otherwise
   * @param parametersHash gradient sharing: a hash of the task's final parameters, which with one-bit encoding
   *     must be the same on every task (dense gradient sharing's tasks agree only up to rounding: each writes
   *     back the mean times its own example count, which DL4J's updater divides again); 0 for parameter
   *     averaging
   */
  public record Report(int worker, int steps, long examples, int rounds, long setupNanos, long computeNanos,
      long dataWaitNanos, long exchangeNanos, long bytesSent, long bytesReceived, long stateLength, long examplesLeftOut,
      float[] state, int parametersHash) implements Serializable {}

  /**
   * Trains on {@code batches} from the serialised network {@code modelZip} and returns this task's report;
   * the trained state itself stays with the hub.
   *
   * @param attempt the stage attempt (a retried stage starts over from the epoch's start)
   * @param cancelled true once Spark has killed the task
   */
  public static Report train(Iterator<DataSet> batches, byte[] modelZip, Collection<TrainingListener> listeners,
      Settings s, int worker, int attempt, BooleanSupplier cancelled) throws IOException {
    long t0 = System.nanoTime();
    Network net = Network.restore(modelZip, true);
    s.seedRandom(worker);
    net.model().setListeners(listeners);
    ExchangedState state = ExchangedState.of(net, s.withUpdater());
    float[] mine = new float[state.length()];
    float[] mean = new float[state.length()];
    Iterator<DataSet> data = s.prefetch() > 0 ? new Prefetcher<>(batches, s.prefetch()) : batches;
    int steps = 0;
    int rounds = 0;
    long examples = 0;
    long compute = 0;
    long dataWait = 0;
    long exchange = 0;
    try (AveragingClient hub = AveragingClient.connect(s.hubHost(), s.hubPort(), s.credential().key(), s.epoch(), attempt, worker,
        s.workers(), state.length(), cancelled)) {
      long setup = System.nanoTime() - t0;
      int status = AveragingProtocol.CONTINUE;
      boolean exhausted = false;
      while (status == AveragingProtocol.CONTINUE) {
        long roundExamples = 0;
        for (int k = 0; k < s.frequency() && !exhausted; k++) {
          long a = System.nanoTime();
          exhausted = !data.hasNext();
          DataSet batch = exhausted ? null : data.next();
          long b = System.nanoTime();
          dataWait += b - a;
          if (batch != null) {
            net.fit(batch);
            compute += System.nanoTime() - b;
            steps++;
            roundExamples += batch.numExamples();
          }
        }
        long a = System.nanoTime();
        exhausted = exhausted || !data.hasNext();
        dataWait += System.nanoTime() - a;
        long c = System.nanoTime();
        boolean sends = roundExamples > 0;
        status = hub.exchange(roundExamples, exhausted, sends ? state.gather(mine) : null, mean);
        if (sends) {
          state.scatter(mean);
        }
        exchange += System.nanoTime() - c;
        rounds++;
        examples += roundExamples;
      }
      // the epoch ends after the round in which the first task ran out: what is left here is not trained on
      long leftOut = 0;
      while (data.hasNext()) {
        leftOut += data.next().numExamples();
      }
      INDArray ownUpdater = s.withUpdater() || worker != 0 ? null : net.updaterState();
      return new Report(worker, steps, examples, rounds, setup, compute, dataWait, exchange, hub.bytesSent(),
          hub.bytesReceived(), state.length(), leftOut, ownUpdater == null ? null : ownUpdater.toFloatVector(), 0);
    } finally {
      if (data instanceof Prefetcher<?> p) {
        p.close();
      }
    }
  }
}
