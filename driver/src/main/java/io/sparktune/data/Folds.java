package io.sparktune.data;

import java.io.Serializable;
import java.util.Comparator;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

/**
 * Stratified k-fold assignment, distributed: within each class the examples, ordered by a seeded hash of
 * their origin, are dealt to the folds in turn, so every fold holds each class in proportion (to within
 * one example) and the assignment depends only on the seed and the data, not on partitioning.
 */
public final class Folds {
  private Folds() {}

  /** Orders (class, hash) keys. */
  private static final class ByClassThenHash implements Comparator<Tuple2<Integer, Long>>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public int compare(Tuple2<Integer, Long> a, Tuple2<Integer, Long> b) {
      int c = Integer.compare(a._1(), b._1());
      return c != 0 ? c : Long.compare(a._2(), b._2());
    }
  }

  /** Each record with its fold in {@code [0, k)}. */
  public static JavaRDD<Tuple2<Integer, Record>> assign(JavaRDD<Record> all, int k, long seed) {
    Map<Integer, Long> perClass = all.map(Record::label).countByValue();
    int classes = perClass.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    long[] offset = new long[classes + 1];
    for (int c = 0; c < classes; c++) {
      offset[c + 1] = offset[c] + perClass.getOrDefault(c, 0L);
    }
    return all.mapToPair(r -> new Tuple2<>(new Tuple2<>(r.label(), Splits.hash(seed, r.origin())), r))
        .sortByKey(new ByClassThenHash(), true)
        .values()
        .zipWithIndex()
        .map(t -> new Tuple2<>((int) ((t._2() - offset[t._1().label()]) % k), t._1()));
  }
}
