package io.sparktune.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compact, mergeable description of a data set that drift is measured against: per-feature histograms
 * on fixed edges (plus below/above bins), the class counts, for token sequences the length histogram and
 * the share of unknown tokens, and the mean and variance of a network's embedding (its penultimate
 * layer's output). Saved with every model as data-profile.json; new data is profiled on the same edges
 * and compared with {@link DriftReport}.
 */
public final class DataProfile implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Histogram bins between each feature's minimum and maximum in the reference data. */
  public static final int BINS = 50;
  static final int PAD = 0;
  static final int UNK = 1;

  final boolean sequence;
  final double[] lo;
  final double[] hi;
  long count;
  final long[] classCounts;
  /** [feature][0 = below lo, 1..BINS, BINS + 1 = above hi]; null for token sequences. */
  final long[][] bins;
  /** Token sequences: [length 0..maxLength]; tokens and unknown tokens. */
  final long[] lengths;
  long tokens;
  long unknownTokens;
  double[] embeddingSum;
  double[] embeddingSumSq;
  long embedded;

  private DataProfile(boolean sequence, double[] lo, double[] hi, int classes, int maxLength) {
    this.sequence = sequence;
    this.lo = lo;
    this.hi = hi;
    this.classCounts = new long[classes];
    this.bins = sequence ? null : new long[lo.length][BINS + 2];
    this.lengths = sequence ? new long[maxLength + 1] : null;
  }

  /** An empty profile of feature vectors on the edges [lo, hi] per feature (from the reference data). */
  public static DataProfile features(double[] lo, double[] hi, int classes) {
    return new DataProfile(false, lo.clone(), hi.clone(), classes, 0);
  }

  /** An empty profile of token-id sequences of at most {@code maxLength} tokens. */
  public static DataProfile tokens(int maxLength, int classes) {
    return new DataProfile(true, new double[0], new double[0], classes, maxLength);
  }

  /** An empty profile on the same edges as this one (to profile new data for comparison). */
  public DataProfile emptyLike() {
    return new DataProfile(sequence, lo, hi, classCounts.length, sequence ? lengths.length - 1 : 0);
  }

  public DataProfile add(Record r) {
    count++;
    if (r.label() >= 0 && r.label() < classCounts.length) {
      classCounts[r.label()]++;
    }
    float[] x = r.features();
    if (sequence) {
      int length = 0;
      // the token ids only: numeric features of a text + tabular example follow them
      for (int k = 0; k < Math.min(x.length, lengths.length - 1); k++) {
        float v = x[k];
        if ((int) v != PAD) {
          length++;
          tokens++;
          if ((int) v == UNK) {
            unknownTokens++;
          }
        }
      }
      lengths[Math.min(length, lengths.length - 1)]++;
      return this;
    }
    for (int f = 0; f < x.length && f < bins.length; f++) {
      bins[f][bin(f, x[f])]++;
    }
    return this;
  }

  /** Adds the embeddings (rows) of examples added with {@link #add}. */
  public DataProfile addEmbeddings(float[][] rows) {
    for (float[] e : rows) {
      if (embeddingSum == null) {
        embeddingSum = new double[e.length];
        embeddingSumSq = new double[e.length];
      }
      for (int i = 0; i < e.length; i++) {
        embeddingSum[i] += e[i];
        embeddingSumSq[i] += (double) e[i] * e[i];
      }
      embedded++;
    }
    return this;
  }

  int bin(int f, double v) {
    if (v < lo[f]) {
      return 0;
    }
    if (v > hi[f]) {
      return BINS + 1;
    }
    double width = hi[f] - lo[f];
    int b = width <= 0 ? 0 : (int) ((v - lo[f]) / width * BINS);
    return 1 + Math.min(b, BINS - 1);
  }

  public DataProfile merge(DataProfile o) {
    count += o.count;
    for (int c = 0; c < classCounts.length; c++) {
      classCounts[c] += o.classCounts[c];
    }
    if (sequence) {
      for (int i = 0; i < lengths.length; i++) {
        lengths[i] += o.lengths[i];
      }
      tokens += o.tokens;
      unknownTokens += o.unknownTokens;
    } else {
      for (int f = 0; f < bins.length; f++) {
        for (int b = 0; b < bins[f].length; b++) {
          bins[f][b] += o.bins[f][b];
        }
      }
    }
    if (o.embeddingSum != null) {
      if (embeddingSum == null) {
        embeddingSum = new double[o.embeddingSum.length];
        embeddingSumSq = new double[o.embeddingSum.length];
      }
      for (int i = 0; i < embeddingSum.length; i++) {
        embeddingSum[i] += o.embeddingSum[i];
        embeddingSumSq[i] += o.embeddingSumSq[i];
      }
      embedded += o.embedded;
    }
    return this;
  }

  public long count() {
    return count;
  }

  /** As written to data-profile.json. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format-version", 1);
    m.put("examples", count);
    m.put("kind", sequence ? "token-sequences" : "features");
    m.put("class-counts", toList(classCounts));
    if (sequence) {
      m.put("length-histogram", toList(lengths));
      m.put("tokens", tokens);
      m.put("unknown-tokens", unknownTokens);
    } else {
      m.put("bins", BINS);
      m.put("lo", toList(lo));
      m.put("hi", toList(hi));
      List<Object> hist = new ArrayList<>();
      for (long[] h : bins) {
        hist.add(toList(h));
      }
      m.put("histograms", hist);
    }
    if (embeddingSum != null) {
      m.put("embedding", Map.of("examples", embedded, "sum", toList(embeddingSum), "sum-of-squares",
          toList(embeddingSumSq)));
    }
    return m;
  }

  /** Reads data-profile.json as written by {@link #toMap}. */
  @SuppressWarnings("unchecked")
  public static DataProfile fromMap(Map<String, Object> m) {
    List<Number> classes = (List<Number>) m.get("class-counts");
    DataProfile p;
    if ("token-sequences".equals(m.get("kind"))) {
      List<Number> lengths = (List<Number>) m.get("length-histogram");
      p = tokens(lengths.size() - 1, classes.size());
      for (int i = 0; i < lengths.size(); i++) {
        p.lengths[i] = lengths.get(i).longValue();
      }
      p.tokens = ((Number) m.get("tokens")).longValue();
      p.unknownTokens = ((Number) m.get("unknown-tokens")).longValue();
    } else {
      p = features(doubles((List<Number>) m.get("lo")), doubles((List<Number>) m.get("hi")), classes.size());
      List<List<Number>> hist = (List<List<Number>>) m.get("histograms");
      for (int f = 0; f < hist.size(); f++) {
        for (int b = 0; b < hist.get(f).size(); b++) {
          p.bins[f][b] = hist.get(f).get(b).longValue();
        }
      }
    }
    p.count = ((Number) m.get("examples")).longValue();
    for (int c = 0; c < classes.size(); c++) {
      p.classCounts[c] = classes.get(c).longValue();
    }
    if (m.get("embedding") instanceof Map<?, ?> e) {
      p.embeddingSum = doubles((List<Number>) e.get("sum"));
      p.embeddingSumSq = doubles((List<Number>) e.get("sum-of-squares"));
      p.embedded = ((Number) e.get("examples")).longValue();
    }
    return p;
  }

  private static List<Object> toList(long[] a) {
    List<Object> l = new ArrayList<>(a.length);
    for (long v : a) {
      l.add(v);
    }
    return l;
  }

  private static List<Object> toList(double[] a) {
    List<Object> l = new ArrayList<>(a.length);
    for (double v : a) {
      l.add(v);
    }
    return l;
  }

  private static double[] doubles(List<Number> l) {
    double[] a = new double[l.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = l.get(i).doubleValue();
    }
    return a;
  }
}
