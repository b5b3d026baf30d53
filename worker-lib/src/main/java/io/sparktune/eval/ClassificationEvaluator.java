package io.sparktune.eval;

import io.sparktune.model.Network;
import java.util.Iterator;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Evaluates a classifier on minibatches into a {@link ClassificationResult}, which merges exactly, so
 * partition results combine into the single-process result.
 */
public final class ClassificationEvaluator {
  private ClassificationEvaluator() {}

  public static ClassificationResult evaluate(Network net, Iterator<DataSet> batches, List<String> classNames,
      int topK) {
    ClassificationResult eval = new ClassificationResult(classNames, topK);
    Model model = net.model();
    synchronized (model) {
      while (batches.hasNext()) {
        DataSet ds = batches.next();
        INDArray out = net.output(ds);
        eval.add(ds.getLabels(), out);
      }
    }
    return eval;
  }
}
