package io.sparktune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.CliRun;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data as users export it, read as they mean it: the real iris CSV gzipped (named .gz, and gzipped under a
 * plain .csv name) and with a UTF-8 byte-order mark trains exactly as the plain file does; an image folder with
 * an empty class folder is refused before any work, naming the folder.
 */
class DataEncodingsIT {
  @TempDir
  Path dir;

  private static final Path IRIS = Path.of("src-test-data/tabular/iris.csv");

  private CliRun finetune(Path data, String name) {
    return CliRun.of("finetune", "--config", "conf/examples/iris-csv.conf", "--output", dir.resolve(name).toString(),
        "--set", "spark.master=\"local[2]\"", "--set", "training.epochs=3", "--set", "data.train-uri=\"" + data + "\"",
        "--set", "evaluation.linear-baseline.enabled=false", "--set", "monitoring.dashboard.enabled=false");
  }

  private static String accuracy(CliRun r) {
    return r.out().lines().filter(l -> l.contains("accuracy")).findFirst().orElse("(no accuracy line)\n" + r.out());
  }

  private static void gzip(Path from, Path to) throws Exception {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(to))) {
      Files.copy(from, out);
    }
  }

  @Test
  void gzippedAndByteOrderMarkedCsvTrainsLikeThePlainFile() throws Exception {
    Path gz = dir.resolve("iris.csv.gz");
    gzip(IRIS, gz);
    Path gzNamedCsv = dir.resolve("iris-export.csv");
    gzip(IRIS, gzNamedCsv);
    Path bom = dir.resolve("iris-bom.csv");
    Files.write(bom, new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf});
    Files.write(bom, Files.readAllBytes(IRIS), java.nio.file.StandardOpenOption.APPEND);

    CliRun plain = finetune(IRIS.toAbsolutePath(), "plain");
    assertEquals(0, plain.code(), plain.err());
    for (Path p : new Path[] {gz, gzNamedCsv, bom}) {
      CliRun r = finetune(p, p.getFileName().toString() + "-run");
      assertEquals(0, r.code(), p + ": " + r.err());
      assertEquals(accuracy(plain), accuracy(r), p + " trains exactly as the plain file");
    }
  }

  @Test
  void identicalDataFilesAreWarnedAbout() throws Exception {
    Path data = Files.createDirectories(dir.resolve("exports"));
    Files.copy(IRIS, data.resolve("iris.csv"));
    Files.copy(IRIS, data.resolve("iris-copy.csv"));
    CliRun r = finetune(data, "copies");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("The training data holds 2 identical files") && r.err().contains("iris-copy.csv"),
        r.err());
    CliRun single = finetune(IRIS.toAbsolutePath(), "single");
    assertFalse(single.err().contains("identical files"), "one file: no warning");
  }

  @Test
  void anEmptyClassFolderIsRefusedNamingIt() throws Exception {
    Path images = dir.resolve("images");
    for (String c : new String[] {"0-t-shirt", "1-trouser"}) {
      Path to = Files.createDirectories(images.resolve(c));
      try (var files = Files.list(Path.of("src-test-data/fashion-mnist-png", c))) {
        for (Path f : files.limit(8).toList()) {
          Files.copy(f, to.resolve(f.getFileName()));
        }
      }
    }
    Files.createDirectories(images.resolve("2-pullover"));
    CliRun r = CliRun.of("finetune", "--config", "conf/examples/fashion-png-folder.conf", "--output",
        dir.resolve("out").toString(), "--set", "spark.master=\"local[2]\"",
        "--set", "data.train-uri=\"" + images + "\"");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("error: The class folder '2-pullover'") && r.err().contains("holds no images"),
        r.err());
    assertFalse(Files.exists(dir.resolve("out")));
  }
}
