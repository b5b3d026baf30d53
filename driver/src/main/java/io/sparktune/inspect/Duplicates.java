package io.sparktune.inspect;

import io.sparktune.data.Record;
import io.sparktune.data.Splits;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

/**
 * Exact duplicates by content: examples whose features are bit-for-bit equal (a 128-bit hash of them),
 * within the data, with different labels (the same input labelled twice differently), and shared between
 * the training and validation splits (leakage: the validation score then measures memory, not learning).
 */
public final class Duplicates {
  private Duplicates() {}

  /** One example's place: its label, where it came from, and whether it is in the validation split. */
  record Seen(int label, String origin, boolean validation) implements Serializable {}

  /** 128 bits of the features' content (two differently seeded 64-bit hashes), as a string key. */
  static String contentKey(float[] x) {
    long a = 0x243F6A8885A308D3L ^ x.length;
    long b = 0x13198A2E03707344L ^ x.length;
    for (float v : x) {
      int bits = Float.floatToIntBits(v);
      a = Splits.mix(a + bits);
      b = Splits.mix(b ^ (bits * 0x9E3779B97F4A7C15L));
    }
    return Long.toHexString(a) + Long.toHexString(b);
  }

  /** @param maxListed groups listed with their origins (each with at most 5) */
  public static Map<String, Object> find(JavaRDD<Record> train, JavaRDD<Record> validation, int maxListed) {
    JavaPairRDD<String, Seen> keyed = train.mapToPair(r -> new Tuple2<>(contentKey(r.features()),
        new Seen(r.label(), r.origin(), false))).union(validation.mapToPair(r -> new Tuple2<>(
            contentKey(r.features()), new Seen(r.label(), r.origin(), true))));
    // only keys seen more than once go through the grouping
    JavaPairRDD<String, Long> repeated = keyed.mapValues(s -> 1L).reduceByKey(Long::sum).filter(t -> t._2() > 1);
    List<List<Seen>> groups = new ArrayList<>(keyed.join(repeated).mapValues(Tuple2::_1).groupByKey()
        .map(t -> {
          List<Seen> g = new ArrayList<>();
          t._2().forEach(g::add);
          g.sort(java.util.Comparator.comparing(Seen::origin));
          return g;
        }).collect());
    groups.sort(java.util.Comparator.comparing((List<Seen> g) -> -g.size()).thenComparing(g -> g.get(0).origin()));
    long extraCopies = 0;
    long conflicting = 0;
    long leakedGroups = 0;
    long leakedValidation = 0;
    List<Map<String, Object>> listed = new ArrayList<>();
    for (List<Seen> g : groups) {
      extraCopies += g.size() - 1;
      boolean conflict = g.stream().map(Seen::label).distinct().count() > 1;
      boolean inTrain = g.stream().anyMatch(s -> !s.validation());
      long inValidation = g.stream().filter(Seen::validation).count();
      boolean leaked = inTrain && inValidation > 0;
      conflicting += conflict ? 1 : 0;
      leakedGroups += leaked ? 1 : 0;
      leakedValidation += leaked ? inValidation : 0;
      if (listed.size() < maxListed) {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("copies", g.size());
        one.put("labels", new TreeSet<>(g.stream().map(Seen::label).toList()));
        one.put("conflicting-labels", conflict);
        one.put("leaked", leaked);
        one.put("origins", g.stream().limit(5).map(s -> s.origin() + (s.validation() ? " (validation)" : "")).toList());
        listed.add(one);
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("groups", groups.size());
    m.put("redundant-copies", extraCopies);
    m.put("groups-with-conflicting-labels", conflicting);
    m.put("groups-leaked-across-splits", leakedGroups);
    m.put("validation-examples-seen-in-training", leakedValidation);
    m.put("validation-examples", validation.count());
    m.put("listed", listed);
    return m;
  }
}
