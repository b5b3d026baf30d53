package io.sparktune.inspect;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;

/**
 * Likely label errors by confident learning (Northcutt, Jiang and Chuang, "Confident Learning: Estimating
 * Uncertainty in Dataset Labels", JAIR 2021), from out-of-sample predicted probabilities (each example
 * scored by a model that did not train on it). Class j's threshold is the mean probability of j the
 * models give the examples labelled j; an example's confident label is, among the classes whose
 * probability reaches their threshold, the most probable. The counts of (given, confident) labels form
 * the confident joint; the examples off its diagonal are the likely label errors (the paper's
 * "C_confusion off-diagonal" method), listed least self-confident first.
 */
public final class ConfidentLearning {
  private ConfidentLearning() {}

  /** One example's given label and its out-of-sample predicted probabilities. */
  public record Scored(String origin, int label, float[] probabilities) implements Serializable {}

  /** Per-class sums of p_j over the examples labelled j, and their counts: the thresholds' parts. */
  static final class ThresholdParts implements Serializable {
    private static final long serialVersionUID = 1L;
    final double[] sum;
    final long[] count;

    ThresholdParts(int classes) {
      sum = new double[classes];
      count = new long[classes];
    }

    ThresholdParts add(Scored s) {
      sum[s.label()] += s.probabilities()[s.label()];
      count[s.label()]++;
      return this;
    }

    ThresholdParts merge(ThresholdParts o) {
      for (int j = 0; j < sum.length; j++) {
        sum[j] += o.sum[j];
        count[j] += o.count[j];
      }
      return this;
    }

    /** t_j; NaN for a class no example is labelled with (it then confidently holds no example). */
    double[] thresholds() {
      double[] t = new double[sum.length];
      for (int j = 0; j < t.length; j++) {
        t[j] = count[j] == 0 ? Double.NaN : sum[j] / count[j];
      }
      return t;
    }
  }

  /** The confident label of probabilities {@code p} under thresholds {@code t}, or -1 when no class reaches its own. */
  static int confidentLabel(float[] p, double[] t) {
    int best = -1;
    for (int j = 0; j < p.length; j++) {
      if (p[j] >= t[j] && (best < 0 || p[j] > p[best])) {
        best = j;
      }
    }
    return best;
  }

  static final class LeastSelfConfident implements Comparator<Scored>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public int compare(Scored a, Scored b) {
      int c = Float.compare(a.probabilities()[a.label()], b.probabilities()[b.label()]);
      return c != 0 ? c : a.origin().compareTo(b.origin());
    }
  }

  /**
   * Each record with the probabilities {@code net} gives it, computed on the executors; the result is
   * cached and computed before this returns. The broadcast network leaves the executors then, but stays
   * valid on the driver: later jobs on the result still serialise its lineage.
   */
  public static JavaRDD<Scored> score(org.apache.spark.api.java.JavaSparkContext sc, io.sparktune.model.Network net,
      JavaRDD<io.sparktune.data.Record> records, io.sparktune.data.BatchAssembler assembler) {
    org.apache.spark.broadcast.Broadcast<byte[]> model = io.sparktune.eval.DistributedEvaluator.broadcast(sc, net);
    try {
      JavaRDD<Scored> scored = records.mapPartitions(part -> {
        List<Scored> out = new ArrayList<>();
        if (part.hasNext()) {
          io.sparktune.model.Network n = io.sparktune.model.Network.restore(model.value(), false);
          for (java.util.Iterator<List<io.sparktune.data.Record>> it = assembler.chunks(part); it.hasNext(); ) {
            List<io.sparktune.data.Record> chunk = it.next();
            float[][] p = n.output(assembler.assemble(chunk)).toFloatMatrix();
            for (int i = 0; i < chunk.size(); i++) {
              out.add(new Scored(chunk.get(i).origin(), chunk.get(i).label(), p[i]));
            }
          }
        }
        return out.iterator();
      }).persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK_SER());
      scored.count();
      return scored;
    } finally {
      model.unpersist();
    }
  }

  /** The confident joint, the likely label errors (count, share, per given class) and the first {@code maxListed}. */
  public static Map<String, Object> find(JavaRDD<Scored> scored, List<String> classes, int maxListed) {
    int k = classes.size();
    double[] t = scored.aggregate(new ThresholdParts(k), ThresholdParts::add, ThresholdParts::merge).thresholds();
    long[][] joint = scored.aggregate(new long[k][k], (c, s) -> {
      int j = confidentLabel(s.probabilities(), t);
      if (j >= 0) {
        c[s.label()][j]++;
      }
      return c;
    }, (a, b) -> {
      for (int i = 0; i < k; i++) {
        for (int j = 0; j < k; j++) {
          a[i][j] += b[i][j];
        }
      }
      return a;
    });
    JavaRDD<Scored> issues = scored.filter(s -> {
      int j = confidentLabel(s.probabilities(), t);
      return j >= 0 && j != s.label();
    });
    long total = scored.count();
    long count = 0;
    Map<String, Long> perClass = new LinkedHashMap<>();
    for (int i = 0; i < k; i++) {
      long row = 0;
      for (int j = 0; j < k; j++) {
        row += i == j ? 0 : joint[i][j];
      }
      perClass.put(classes.get(i), row);
      count += row;
    }
    List<Map<String, Object>> listed = new ArrayList<>();
    for (Scored s : issues.takeOrdered(maxListed, new LeastSelfConfident())) {
      int j = confidentLabel(s.probabilities(), t);
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("origin", s.origin());
      one.put("given", classes.get(s.label()));
      one.put("likely", classes.get(j));
      one.put("p-given", s.probabilities()[s.label()]);
      one.put("p-likely", s.probabilities()[j]);
      listed.add(one);
    }
    List<List<Long>> jointRows = new ArrayList<>();
    for (long[] row : joint) {
      jointRows.add(java.util.Arrays.stream(row).boxed().toList());
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("method", "confident learning (Northcutt et al. 2021), confident-joint off-diagonal, out-of-fold "
        + "probabilities");
    m.put("examples-scored", total);
    m.put("likely-label-errors", count);
    m.put("estimated-noise-rate", total == 0 ? null : count / (double) total);
    m.put("per-given-class", perClass);
    List<Double> thresholds = new ArrayList<>();
    for (double v : t) {
      thresholds.add(Double.isNaN(v) ? null : v);
    }
    m.put("thresholds", thresholds);
    m.put("confident-joint", jointRows);
    m.put("listed", listed);
    return m;
  }
}
