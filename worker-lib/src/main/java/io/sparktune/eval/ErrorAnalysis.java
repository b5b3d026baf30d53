package io.sparktune.eval;

import io.sparktune.data.Record;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where a classifier goes wrong, as a mergeable accumulator: the worst-predicted examples (highest
 * loss, -log p(true class)), kept with their raw features so image inputs can be shown, and a
 * {@link ClassificationResult} per slice (the data's slice column) when the data has slices.
 */
public final class ErrorAnalysis implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final double EPS = 1e-15;

  /** One scored example. */
  public record Example(String origin, String slice, int truth, int predicted, double confidence,
      double trueProbability, float[] features) implements Serializable {
    public double loss() {
      return -Math.log(Math.max(EPS, trueProbability));
    }
  }

  private static final Comparator<Example> WORST_FIRST =
      Comparator.comparingDouble(Example::loss).reversed().thenComparing(Example::origin);

  private final List<String> classNames;
  private final int topK;
  private final int keep;
  private final ArrayList<Example> worst = new ArrayList<>();
  private final TreeMap<String, ClassificationResult> bySlice = new TreeMap<>();

  /**
   * @param keep worst examples kept
   */
  public ErrorAnalysis(List<String> classNames, int topK, int keep) {
    this.classNames = List.copyOf(classNames);
    this.topK = topK;
    this.keep = keep;
  }

  /** Adds a minibatch: its records (in batch order) and the predicted probabilities [n, classes]. */
  public void add(List<Record> records, INDArray probabilities, INDArray labels) {
    float[][] p = probabilities.toFloatMatrix();
    boolean sliced = records.stream().anyMatch(r -> !r.slice().isEmpty());
    for (int i = 0; i < p.length; i++) {
      Record r = records.get(i);
      int predicted = ClassificationResult.argMax(p[i]);
      worst.add(new Example(r.origin(), r.slice(), r.label(), predicted, p[i][predicted], p[i][r.label()],
          r.features()));
    }
    if (worst.size() > 2 * keep) {
      prune();
    }
    if (sliced) {
      for (int i = 0; i < p.length; i++) {
        Record r = records.get(i);
        bySlice.computeIfAbsent(r.slice(), k -> new ClassificationResult(classNames, topK))
            .add(labels.getRow(i, true), probabilities.getRow(i, true));
      }
    }
  }

  public ErrorAnalysis merge(ErrorAnalysis o) {
    worst.addAll(o.worst);
    prune();
    o.bySlice.forEach((k, v) -> bySlice.merge(k, v, ClassificationResult::merge));
    return this;
  }

  /** The worst-predicted examples, worst first (ties broken by origin, so the order is deterministic). */
  public List<Example> worst() {
    prune();
    return List.copyOf(worst);
  }

  /** Per-slice results, by slice value; empty when the data has no slice column. */
  public Map<String, ClassificationResult> slices() {
    return bySlice;
  }

  private void prune() {
    worst.sort(WORST_FIRST);
    while (worst.size() > keep) {
      worst.remove(worst.size() - 1);
    }
  }

  /** The most frequent confusions (actual != predicted), most frequent first, at most {@code n}. */
  public static List<int[]> mostConfused(int[][] confusion, int n) {
    List<int[]> pairs = new ArrayList<>();
    for (int a = 0; a < confusion.length; a++) {
      for (int p = 0; p < confusion.length; p++) {
        if (a != p && confusion[a][p] > 0) {
          pairs.add(new int[] {a, p, confusion[a][p]});
        }
      }
    }
    pairs.sort(Comparator.<int[]>comparingInt(x -> -x[2]).thenComparingInt(x -> x[0]).thenComparingInt(x -> x[1]));
    return pairs.subList(0, Math.min(n, pairs.size()));
  }
}
