package io.sparktune.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.cli.SparktuneCli;
import io.sparktune.data.CsvSource;
import io.sparktune.data.Folds;
import io.sparktune.data.Record;
import io.sparktune.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

/** sparktune cv on real iris data: stratified disjoint folds, summary over folds, resume, refusal of GS. */
class CrossValidationIT {
  @TempDir
  Path dir;

  private int cv(Path out, String... sets) {
    List<String> args = new java.util.ArrayList<>(List.of("cv", "--config", "conf/examples/iris-csv.conf", "--folds", "3",
        "--set", "spark.master=\"local[2]\"", "--set", "training.epochs=5", "--set",
        "evaluation.linear-baseline.max-iterations=20", "--output", out.toString()));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    return SparktuneCli.execute(args.toArray(String[]::new));
  }

  @Test
  void foldsAreStratifiedDisjointAndCoverTheData() {
    SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("folds-it")
        .set("spark.driver.host", "127.0.0.1").set("spark.ui.enabled", "false");
    try (JavaSparkContext sc = new JavaSparkContext(conf)) {
      List<Tuple2<Integer, Record>> assigned = Folds.assign(new CsvSource(true, "species", "", ",", false)
          .read(sc, "src-test-data/tabular/iris.csv", "", List.of("setosa", "versicolor", "virginica"))
          .repartition(4), 3, 42).collect();
      assertEquals(150, assigned.size());
      Set<String> origins = new HashSet<>();
      Map<String, Integer> perFoldAndClass = new HashMap<>();
      for (Tuple2<Integer, Record> t : assigned) {
        assertTrue(origins.add(t._2().origin()), "each example is in exactly one fold");
        perFoldAndClass.merge(t._1() + "/" + t._2().label(), 1, Integer::sum);
      }
      assertEquals(9, perFoldAndClass.size());
      perFoldAndClass.values().forEach(n -> assertTrue(n == 16 || n == 17, "50 per class over 3 folds: " + n));
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void threeFoldsSummariseAndAKilledCvResumes() throws Exception {
    Path out = dir.resolve("cv");
    assertEquals(0, cv(out));
    Map<String, Object> report = Json.readMap(Files.readString(out.resolve("cv.json")));
    List<Map<String, Object>> folds = (List<Map<String, Object>>) report.get("per-fold");
    assertEquals(3, folds.size());
    long examples = 0;
    double sum = 0;
    for (Map<String, Object> f : folds) {
      Map<String, Object> fin = (Map<String, Object>) f.get("final");
      examples += ((Number) fin.get("examples")).longValue();
      sum += ((Number) fin.get("accuracy")).doubleValue();
      assertTrue(Files.exists(Path.of((String) f.get("output")).resolve("_COMPLETE")));
    }
    assertEquals(150, examples, "the folds' validation sets cover the data once");
    Map<String, Object> accuracy = (Map<String, Object>)
        ((Map<String, Object>) ((Map<String, Object>) report.get("summary")).get("final")).get("accuracy");
    assertEquals(sum / 3, ((Number) accuracy.get("mean")).doubleValue(), 1e-12);
    assertTrue(((Number) accuracy.get("ci95-low")).doubleValue() <= sum / 3);
    assertTrue(((Map<String, Object>) report.get("summary")).containsKey("linear-baseline"));

    // a cv killed after two folds: the two complete folds are reused, the third is run
    Files.delete(out.resolve("_COMPLETE"));
    org.apache.commons.io.FileUtils.deleteDirectory(out.resolve("fold-03").toFile());
    assertEquals(0, cv(out));
    Map<String, Object> again = Json.readMap(Files.readString(out.resolve("cv.json")));
    List<Map<String, Object>> foldsAgain = (List<Map<String, Object>>) again.get("per-fold");
    assertEquals(Json.write(folds.subList(0, 2)), Json.write(foldsAgain.subList(0, 2)));
    assertTrue(Files.exists(out.resolve("fold-03/_COMPLETE")));
  }

  @Test
  void dl4jGradientSharingIsRefusedWithTheReason() {
    assertEquals(SparktuneCli.BAD_INPUT, cv(dir.resolve("gs"), "training.strategy=gradient-sharing",
        "training.gradient-sharing.implementation=dl4j"));
  }
}
