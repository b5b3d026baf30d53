package io.sparktune.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparktune.data.Record;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Error analysis merges exactly: the worst examples and per-slice counts do not depend on partitioning. */
class ErrorAnalysisTest {
  private static final List<String> CLASSES = List.of("a", "b", "c");

  private record Batch(List<Record> records, INDArray probabilities, INDArray labels) {}

  private static List<Batch> batches(int count, int size, long seed) {
    Random r = new Random(seed);
    List<Batch> out = new ArrayList<>();
    for (int b = 0; b < count; b++) {
      List<Record> records = new ArrayList<>();
      float[][] p = new float[size][3];
      float[][] y = new float[size][3];
      for (int i = 0; i < size; i++) {
        int label = r.nextInt(3);
        records.add(new Record(new float[] {r.nextFloat()}, label, "ex-" + b + "-" + i, r.nextBoolean() ? "north" : "south"));
        float sum = 0;
        for (int c = 0; c < 3; c++) {
          p[i][c] = r.nextFloat() + (c == label ? 0.8f : 0f);
          sum += p[i][c];
        }
        for (int c = 0; c < 3; c++) {
          p[i][c] /= sum;
        }
        y[i][label] = 1;
      }
      out.add(new Batch(records, Nd4j.createFromArray(p), Nd4j.createFromArray(y)));
    }
    return out;
  }

  @Test
  void partitionsMergeIntoTheWorstExamplesOfTheWhole() {
    List<Batch> data = batches(12, 25, 5);
    ErrorAnalysis whole = new ErrorAnalysis(CLASSES, 1, 7);
    ErrorAnalysis left = new ErrorAnalysis(CLASSES, 1, 7);
    ErrorAnalysis right = new ErrorAnalysis(CLASSES, 1, 7);
    List<ErrorAnalysis.Example> all = new ArrayList<>();
    for (int b = 0; b < data.size(); b++) {
      Batch batch = data.get(b);
      whole.add(batch.records(), batch.probabilities(), batch.labels());
      (b % 2 == 0 ? left : right).add(batch.records(), batch.probabilities(), batch.labels());
      float[][] p = batch.probabilities().toFloatMatrix();
      for (int i = 0; i < p.length; i++) {
        Record rec = batch.records().get(i);
        all.add(new ErrorAnalysis.Example(rec.origin(), rec.slice(), rec.label(), 0, 0, p[i][rec.label()], null));
      }
    }
    List<String> expected = all.stream().sorted(Comparator.comparingDouble(ErrorAnalysis.Example::loss).reversed())
        .limit(7).map(ErrorAnalysis.Example::origin).toList();
    assertEquals(expected, whole.worst().stream().map(ErrorAnalysis.Example::origin).toList());
    assertEquals(expected, left.merge(right).worst().stream().map(ErrorAnalysis.Example::origin).toList());

    // slices partition the examples: their counts add up to the whole
    long n = whole.slices().values().stream().mapToLong(ClassificationResult::examples).sum();
    assertEquals(300, n);
    assertEquals(List.of("north", "south"), List.copyOf(whole.slices().keySet()));
    for (String slice : whole.slices().keySet()) {
      assertEquals(whole.slices().get(slice).evaluation().accuracy(), left.slices().get(slice).evaluation().accuracy(), 0.0);
    }
  }

  @Test
  void mostConfusedPairsComeMostFrequentFirst() {
    int[][] confusion = {{50, 3, 9}, {9, 40, 0}, {1, 2, 30}};
    List<int[]> pairs = ErrorAnalysis.mostConfused(confusion, 3);
    assertArrayEquals(new int[] {0, 2, 9}, pairs.get(0));
    assertArrayEquals(new int[] {1, 0, 9}, pairs.get(1));
    assertArrayEquals(new int[] {0, 1, 3}, pairs.get(2));
  }
}
