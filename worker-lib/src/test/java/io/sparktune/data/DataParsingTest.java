package io.sparktune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.BadInputException;
import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataParsingTest {
  static final String FASHION = "src-test-data/fashion-mnist/";

  @Test
  void readsTheShippedFashionMnistSubset() throws IOException {
    IdxFiles.Idx images;
    IdxFiles.Idx labels;
    try (FileInputStream i = new FileInputStream(FASHION + "t10k-images-idx3-ubyte.gz");
         FileInputStream l = new FileInputStream(FASHION + "t10k-labels-idx1-ubyte.gz")) {
      images = IdxFiles.read(i, "t10k-images");
      labels = IdxFiles.read(l, "t10k-labels");
    }
    assertArrayEquals(new int[] {2000, 28, 28}, images.dims());
    List<Record> records = IdxFiles.records(images, labels, "t10k-images", 10);
    assertEquals(2000, records.size());
    assertEquals(9, records.get(0).label(), "the first Fashion-MNIST test image is an ankle boot");
    assertEquals("t10k-images#5", records.get(5).origin());
  }

  @Test
  void truncatedIdxIsRejected() {
    byte[] header = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3};
    BadInputException e = assertThrows(BadInputException.class,
        () -> IdxFiles.read(new ByteArrayInputStream(header), "broken.idx"));
    assertTrue(e.getMessage().contains("broken.idx") && e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void notAnIdxFileIsRejected() {
    byte[] text = "label,a,b\n1,2,3\n".getBytes();
    BadInputException e = assertThrows(BadInputException.class,
        () -> IdxFiles.read(new ByteArrayInputStream(text), "data.csv"));
    assertTrue(e.getMessage().contains("not an unsigned-byte IDX file"), e.getMessage());
  }

  @Test
  void labelOutsideTheClassSetInIdxNamesTheExample() {
    IdxFiles.Idx images = new IdxFiles.Idx(new int[] {1, 1, 2}, new byte[] {1, 2});
    IdxFiles.Idx labels = new IdxFiles.Idx(new int[] {1}, new byte[] {7});
    BadInputException e = assertThrows(BadInputException.class, () -> IdxFiles.records(images, labels, "x", 5));
    assertTrue(e.getMessage().contains("x#0") && e.getMessage().contains("label 7"), e.getMessage());
  }

  private final CsvRecordParser iris = new CsvRecordParser(",", 5, 4, -1, List.of("setosa", "versicolor", "virginica"));

  @Test
  void parsesACsvRow() {
    Record r = iris.parse("5.1,3.5,1.4,0.2,versicolor", "iris.csv", 2);
    assertArrayEquals(new float[] {5.1f, 3.5f, 1.4f, 0.2f}, r.features());
    assertEquals(1, r.label());
    assertEquals("iris.csv:2", r.origin());
  }

  @Test
  void csvRowWithWrongColumnCountNamesFileAndLine() {
    BadInputException e = assertThrows(BadInputException.class, () -> iris.parse("5.1,3.5,setosa", "iris.csv", 17));
    assertTrue(e.getMessage().contains("iris.csv:17") && e.getMessage().contains("expected 5 columns"), e.getMessage());
  }

  @Test
  void csvNanOrInfinityIsRefusedWithFileLineAndColumn() {
    for (String v : List.of("NaN", "Infinity", "-Infinity")) {
      BadInputException e = assertThrows(BadInputException.class,
          () -> iris.parse("5.1," + v + ",1.4,0.2,setosa", "iris.csv", 8));
      assertTrue(e.getMessage().contains("iris.csv:8") && e.getMessage().contains("column 2")
          && e.getMessage().contains("not a finite number"), e.getMessage());
    }
  }

  @Test
  void csvNonNumericValueNamesFileLineAndColumn() {
    BadInputException e = assertThrows(BadInputException.class,
        () -> iris.parse("5.1,abc,1.4,0.2,setosa", "iris.csv", 9));
    assertTrue(e.getMessage().contains("iris.csv:9") && e.getMessage().contains("column 2")
        && e.getMessage().contains("'abc'"), e.getMessage());
  }

  @Test
  void csvLabelOutsideTheClassSetIsRejected() {
    BadInputException e = assertThrows(BadInputException.class,
        () -> iris.parse("5.1,3.5,1.4,0.2,rose", "iris.csv", 4));
    assertTrue(e.getMessage().contains("'rose'") && e.getMessage().contains("iris.csv:4"), e.getMessage());
  }

  @Test
  void imageOfTheWrongSizeIsRejected() throws IOException {
    byte[] png = java.nio.file.Files.readAllBytes(java.nio.file.Path.of(
        "src-test-data/fashion-mnist-png/0-t-shirt").toFile().listFiles()[0].toPath());
    assertEquals(784, new ImageDecoder(1, 28, 28).decode(png, "ok.png").length);
    BadInputException e = assertThrows(BadInputException.class, () -> new ImageDecoder(1, 32, 32).decode(png, "a.png"));
    assertTrue(e.getMessage().contains("a.png") && e.getMessage().contains("28x28"), e.getMessage());
  }

  @Test
  void featureStatisticsMergeEqualsOnePass() {
    java.util.Random rnd = new java.util.Random(1);
    FeatureStatistics all = new FeatureStatistics();
    FeatureStatistics a = new FeatureStatistics();
    FeatureStatistics b = new FeatureStatistics();
    for (int i = 0; i < 500; i++) {
      Record r = new Record(new float[] {(float) rnd.nextGaussian() * 3 + 1, rnd.nextFloat()}, 0, "r" + i);
      all.add(r);
      (i % 3 == 0 ? a : b).add(r);
    }
    FeatureStatistics merged = a.merge(b);
    assertEquals(all.count(), merged.count());
    for (int j = 0; j < 2; j++) {
      assertEquals(all.mean()[j], merged.mean()[j], 1e-5);
      assertEquals(all.std()[j], merged.std()[j], 1e-4);
      assertEquals(all.min()[j], merged.min()[j]);
      assertEquals(all.max()[j], merged.max()[j]);
    }
  }
}
