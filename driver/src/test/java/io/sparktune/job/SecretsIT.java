package io.sparktune.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.ChildSparktune;
import io.sparktune.config.Redaction;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Canary secrets given every way sparktune takes configuration (the config file, a file it includes, an
 * environment variable it substitutes, --set, a password inside a URI) reach Spark's Hadoop configuration but
 * no file the run writes (checkpoints and the report included) and no line it prints. Files that record the
 * configuration are owner-only.
 */
class SecretsIT {
  @TempDir
  Path dir;

  private static final List<String> CANARIES = List.of("CANARY-FILE-a1b2", "CANARY-INCLUDE-c3d4", "CANARY-ENV-e5f6",
      "CANARY-SET-g7h8", "CANARY-URI-i9j0");

  @Test
  void noSecretReachesAnyOutputOrLogLine() throws Exception {
    Path creds = dir.resolve("creds.conf");
    Files.writeString(creds, "sparktune.spark.conf { \"spark.hadoop.fs.s3a.access.key\" = \"CANARY-INCLUDE-c3d4\" }\n");
    Path conf = dir.resolve("secrets.conf");
    Files.writeString(conf, String.join("\n",
        "include file(\"" + new File("conf/examples/iris-csv.conf").getAbsolutePath() + "\")",
        "include file(\"" + creds + "\")",
        "sparktune.spark.conf {",
        "  \"spark.hadoop.fs.s3a.secret.key\" = \"CANARY-FILE-a1b2\"",
        "  \"spark.hadoop.fs.s3a.session.token\" = ${?SPARKTUNE_TEST_TOKEN}",
        "  \"spark.hadoop.sparktune.test.catalog\" = \"postgresql://reader:CANARY-URI-i9j0@db.example:5432/meta\"",
        "}",
        ""));
    Path out = dir.resolve("run");
    Path log = dir.resolve("run.log");
    Process p = ChildSparktune.start(log, Map.of("SPARKTUNE_TEST_TOKEN", "CANARY-ENV-e5f6"), "finetune",
        "--config", conf.toString(), "--output", out.toString(),
        "--set", "spark.master=\"local[2]\"", "--set", "training.epochs=2", "--set", "checkpoint.every-epochs=1",
        "--set", "monitoring.dashboard.enabled=false",
        "--set", "spark.conf.\"spark.hadoop.javax.jdo.option.ConnectionPassword\"=CANARY-SET-g7h8");
    assertTrue(p.waitFor(10, TimeUnit.MINUTES), "the run ends");
    String printed = Files.readString(log);
    assertEquals(0, p.exitValue(), printed);
    List<Path> written = new ArrayList<>();
    try (Stream<Path> files = Files.walk(out)) {
      files.filter(Files::isRegularFile).forEach(written::add);
    }
    written.add(log);
    assertTrue(written.stream().anyMatch(f -> f.toString().contains("checkpoint")), "checkpoints were written");
    for (Path f : written) {
      String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
      for (String canary : CANARIES) {
        assertTrue(!text.contains(canary), canary + " leaked into " + out.relativize(f.startsWith(out) ? f : out));
      }
    }
    String config = Files.readString(out.resolve("config.conf"));
    assertTrue(config.contains(Redaction.REDACTED), "the redacted keys are still listed");
    assertTrue(config.contains("reader:" + Redaction.REDACTED + "@db.example"), config);
    List<Path> privateFiles = new ArrayList<>(List.of(out.resolve("config.conf"), out.resolve("provenance.json")));
    try (Stream<Path> files = Files.walk(out)) {
      files.filter(f -> f.getFileName().toString().equals("manifest.json")).forEach(privateFiles::add);
    }
    assertTrue(privateFiles.size() > 2, "checkpoint manifests: " + privateFiles);
    for (Path f : privateFiles) {
      assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
          Files.getPosixFilePermissions(f), f + " is owner-only");
    }
  }
}
