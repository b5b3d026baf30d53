package io.sparktune.train;

import io.sparktune.data.BatchAssembler;
import io.sparktune.data.Record;
import io.sparktune.model.Network;
import java.util.Iterator;
import java.util.List;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Checks after each epoch that the network the training master hands back has really learned what
 * the workers trained: its loss on a sample of the training data must not be far above the loss the
 * workers reported while training (which includes dropout and the early, worse minibatches, so an
 * honest result is normally lower).
 *
 * <p>DL4J's SharedTrainingMaster on a multi-process cluster was seen to return a driver-side network that
 * never received the workers' updates: workers' loss fell to 0.7 while the returned model stayed near
 * chance, with no error. This turns that into a loud failure.
 */
public final class LearningCheck {
  private final List<Record> sample;
  private final BatchAssembler assembler;
  private final double maxRatio;

  /**
   * @param sample training examples to score the returned network on
   * @param assembler turns them into normalised minibatches
   * @param maxRatio how many times the workers' mean loss the returned network's loss may reach
   */
  public LearningCheck(List<Record> sample, BatchAssembler assembler, double maxRatio) {
    this.sample = sample;
    this.assembler = assembler;
    this.maxRatio = maxRatio;
  }

  /** Mean loss of {@code net} on the sample, in inference mode. */
  public double loss(Network net) {
    double sum = 0;
    long n = 0;
    for (Iterator<DataSet> it = assembler.batches(sample.iterator()); it.hasNext(); ) {
      DataSet ds = it.next();
      double score = net.score(ds);
      sum += score * ds.numExamples();
      n += ds.numExamples();
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  /** Throws when the returned network's loss is far above what the workers reported. */
  public void verify(Network net, double workersLoss, TrainingStrategy trained, int epoch) {
    String strategy = trained.name();
    if (Double.isNaN(workersLoss)) {
      return;
    }
    double returned = loss(net);
    if (!Double.isFinite(returned)) {
      throw new IllegalStateException(String.format("After epoch %d the network returned by %s has a "
          + "non-finite loss (%s): training diverged. Lower training.learning-rate.", epoch, strategy, returned));
    }
    if (returned > maxRatio * workersLoss + 0.1) {
      String cause = trained instanceof Dl4jGradientSharingStrategy
          ? "the workers' updates did not reach the driver's model, so the run is not learning (a known failure "
              + "of DL4J's SharedTrainingMaster across processes). Use training.gradient-sharing.implementation = sparktune"
          : "the averaged model is much worse than the workers' own, which happens when training is unstable "
              + "(see the gradient-flow warnings above). Lower training.learning-rate, or average more often (a "
              + "lower training.parameter-averaging.averaging-frequency)";
      throw new IllegalStateException(String.format("After epoch %d the network returned by %s has a training "
          + "loss of %.3f, but the workers reported %.3f while training: %s, or raise "
          + "training.learning-check.max-loss-ratio if this is a false alarm.", epoch, strategy, returned, workersLoss,
          cause));
    }
  }
}
