package io.sparktune.eval;

import java.io.Serializable;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Two classifiers scored on the same examples, as one mergeable accumulator: each model's full
 * {@link ClassificationResult}, the discordant counts for {@link McNemarTest}, and a
 * {@link PairedBootstrap} of the metric differences.
 */
public final class PairedComparison implements Serializable {
  private static final long serialVersionUID = 1L;

  private final ClassificationResult a;
  private final ClassificationResult b;
  private final PairedBootstrap bootstrap;
  private long onlyACorrect;
  private long onlyBCorrect;

  public PairedComparison(List<String> classNames, int topK, int replicates, long seed) {
    this.a = new ClassificationResult(classNames, topK);
    this.b = new ClassificationResult(classNames, topK);
    this.bootstrap = new PairedBootstrap(replicates, classNames.size(), seed);
  }

  /** Adds a minibatch: the examples' origins, one-hot labels and both models' class probabilities. */
  public void add(List<String> origins, INDArray labels, INDArray probabilitiesA, INDArray probabilitiesB) {
    a.add(labels, probabilitiesA);
    b.add(labels, probabilitiesB);
    float[][] y = labels.toFloatMatrix();
    float[][] pa = probabilitiesA.toFloatMatrix();
    float[][] pb = probabilitiesB.toFloatMatrix();
    for (int i = 0; i < y.length; i++) {
      int truth = ClassificationResult.argMax(y[i]);
      int predA = ClassificationResult.argMax(pa[i]);
      int predB = ClassificationResult.argMax(pb[i]);
      if (predA == truth && predB != truth) {
        onlyACorrect++;
      } else if (predB == truth && predA != truth) {
        onlyBCorrect++;
      }
      bootstrap.add(origins.get(i), truth, predA, pa[i][truth], predB, pb[i][truth]);
    }
  }

  public PairedComparison merge(PairedComparison o) {
    a.merge(o.a);
    b.merge(o.b);
    bootstrap.merge(o.bootstrap);
    onlyACorrect += o.onlyACorrect;
    onlyBCorrect += o.onlyBCorrect;
    return this;
  }

  public ClassificationResult a() {
    return a;
  }

  public ClassificationResult b() {
    return b;
  }

  public PairedBootstrap bootstrap() {
    return bootstrap;
  }

  public McNemarTest mcNemar() {
    return McNemarTest.of(onlyACorrect, onlyBCorrect);
  }
}
