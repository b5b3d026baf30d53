package io.sparktune.eval;

import io.sparktune.model.Network;
import java.util.Iterator;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Evaluates a classifier on minibatches into a DL4J {@link Evaluation}, which merges exactly (its
 * confusion matrix holds counts), so partition results combine into the single-process result.
 */
public final class ClassificationEvaluator {
  private ClassificationEvaluator() {}

  public static Evaluation newEvaluation(List<String> classNames, int topK) {
    return new Evaluation(classNames, Math.max(1, topK));
  }

  public static Evaluation evaluate(Network net, Iterator<DataSet> batches, List<String> classNames, int topK) {
    Evaluation eval = newEvaluation(classNames, topK);
    Model model = net.model();
    synchronized (model) {
      while (batches.hasNext()) {
        DataSet ds = batches.next();
        INDArray out = net.output(ds.getFeatures());
        eval.eval(ds.getLabels(), out);
      }
    }
    return eval;
  }
}
