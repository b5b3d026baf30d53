package io.sparktune.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.checkpoint.CheckpointStore;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.io.HadoopFiles;
import io.sparktune.job.FineTuneJob;
import io.sparktune.model.ModelFormat;
import io.sparktune.model.ModelLoader;
import io.sparktune.model.Network;
import java.io.File;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model, data, run output and checkpoints on s3a:// against a real S3-compatible server (S3Proxy 2.1.0 with
 * its filesystem blob store, started in its own JVM on 127.0.0.1; Hadoop's S3A client speaks AWS
 * signature v4 HTTP to it). S3 has no atomic rename: checkpoints commit by writing their manifest last.
 */
class S3IT {
  static final String MLP = HdfsIT.MLP;
  static final String FASHION = HdfsIT.FASHION;
  static final String BUCKET = "sparktune-test";

  @TempDir
  static Path base;

  static Process server;
  static Map<String, String> s3a;
  static String root;

  @BeforeAll
  static void startS3() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path blobs = base.resolve("blobs");
    Files.createDirectories(blobs.resolve(BUCKET));
    Path props = base.resolve("s3proxy.properties");
    Files.writeString(props, String.join("\n", "s3proxy.endpoint=http://127.0.0.1:" + port,
        "s3proxy.authorization=aws-v2-or-v4", "s3proxy.identity=sparktune", "s3proxy.credential=sparktune-secret",
        "jclouds.provider=filesystem", "jclouds.filesystem.basedir=" + blobs, ""));
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    server = new ProcessBuilder(javaBin, "-Xmx512m", "-jar", new File("driver/target/s3proxy/s3proxy.jar").getAbsolutePath(),
        "--properties", props.toString()).redirectErrorStream(true).redirectOutput(base.resolve("s3proxy.log").toFile())
        .start();
    long deadline = System.currentTimeMillis() + 60_000;
    while (true) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        break;
      } catch (java.io.IOException e) {
        if (!server.isAlive() || System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("S3Proxy did not start: " + Files.readString(base.resolve("s3proxy.log")));
        }
        Thread.sleep(200);
      }
    }
    s3a = Map.of("fs.s3a.endpoint", "http://127.0.0.1:" + port, "fs.s3a.path.style.access", "true",
        "fs.s3a.connection.ssl.enabled", "false", "fs.s3a.access.key", "sparktune",
        "fs.s3a.secret.key", "sparktune-secret", "fs.s3a.aws.credentials.provider",
        "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider", "fs.s3a.endpoint.region", "us-east-1",
        // S3Proxy's filesystem store answers multi-object DeleteObjects slowly or not at all; S3A then waits
        // out its socket timeout after every write (deleting parent directory markers). Keep the markers
        // and delete one object at a time.
        "fs.s3a.directory.marker.retention", "keep", "fs.s3a.multiobjectdelete.enable", "false",
        "fs.s3a.connection.timeout", "20000");
    root = "s3a://" + BUCKET;
    Configuration conf = new Configuration();
    s3a.forEach(conf::set);
    HadoopFiles.useConfiguration(conf);
    FileSystem fs = FileSystem.get(java.net.URI.create(root), conf);
    for (String f : HdfsIT.FILES) {
      try (var out = fs.create(new org.apache.hadoop.fs.Path(root + "/" + f))) {
        out.write(Files.readAllBytes(Path.of(f)));
      }
    }
  }

  @AfterAll
  static void stopS3() throws Exception {
    HadoopFiles.useConfiguration(new Configuration());
    if (server != null) {
      server.destroy();
      server.waitFor();
    }
  }

  static FineTuneSettings quickstartOnS3(String out, String... sets) {
    List<String> hadoop = new ArrayList<>();
    s3a.forEach((k, v) -> hadoop.add("spark.conf.\"spark.hadoop." + k + "\"=\"" + v + "\""));
    return HdfsIT.quickstartOn(root, out, hadoop, sets);
  }

  @Test
  @SuppressWarnings("unchecked")
  void fineTunesFromAndToS3AndResumesFromItsCheckpoint() throws Exception {
    String out = root + "/runs/quickstart";
    FineTuneJob.Result first = new FineTuneJob(quickstartOnS3(out, "training.epochs=1"), false, false).run();
    Configuration conf = new Configuration();
    s3a.forEach(conf::set);
    HadoopFiles.useConfiguration(conf);
    for (String f : List.of("model.zip", "metrics.json", "_COMPLETE", "checkpoints/epoch-00001/manifest.json")) {
      assertTrue(HadoopFiles.exists(HdfsIT.p(out + "/" + f)), f + " on S3");
    }
    assertTrue(first.finalAccuracy() > 0.6, "learned from S3 data: " + first.finalAccuracy());

    HadoopFiles.delete(HdfsIT.p(out + "/_COMPLETE"));
    FineTuneJob.Result resumed = new FineTuneJob(quickstartOnS3(out, "training.epochs=2"), true, false).run();
    List<Map<String, Object>> history = (List<Map<String, Object>>) resumed.metrics().get("history");
    assertEquals(2, history.size());
    assertEquals(((List<Map<String, Object>>) first.metrics().get("history")).get(0).get("validation-accuracy"),
        history.get(0).get("validation-accuracy"), "epoch 1 comes from the S3 checkpoint");
    HadoopFiles.useConfiguration(conf);
    assertEquals(2, new CheckpointStore(out + "/checkpoints", 3).loadLatest().orElseThrow().epoch());

    HdfsIT.assertRegistersAndServes(root + "/registry", out);
  }

  /**
   * A save that died before its manifest (the object store then holds model.zip and nothing else) is
   * never loaded; the previous complete checkpoint is.
   */
  @Test
  void aCheckpointWithoutItsManifestOnS3IsNeverLoaded() throws Exception {
    Configuration conf = new Configuration();
    s3a.forEach(conf::set);
    HadoopFiles.useConfiguration(conf);
    String dir = root + "/checkpoints-crash";
    Network net = ModelLoader.load(root + "/" + MLP + "config.json", ModelFormat.AUTO, root + "/" + MLP + "weights.h5", 1);
    CheckpointStore store = new CheckpointStore(dir, 3);
    store.save(1, net, null, Map.of("step", 10));
    Network changed = net.copy();
    changed.params().addi(0.5);
    store.save(2, changed, null, Map.of("step", 20));
    HadoopFiles.delete(HdfsIT.p(dir + "/epoch-00002/" + CheckpointStore.MANIFEST));
    assertFalse(HadoopFiles.exists(HdfsIT.p(dir + "/epoch-00002/" + CheckpointStore.MANIFEST)));
    CheckpointStore.Loaded loaded = store.loadLatest().orElseThrow();
    assertEquals(1, loaded.epoch());
    assertEquals(net.params(), loaded.network().params());
  }

  @Test
  void noPartialCheckpointIsEverLoadedAfterCrashesWhileSavingToS3() throws Exception {
    Configuration conf = new Configuration();
    s3a.forEach(conf::set);
    conf = CheckpointCrashes.crashing(conf, "s3a", org.apache.hadoop.fs.s3a.S3AFileSystem.class);
    CheckpointCrashes.Tally t = CheckpointCrashes.run(root + "/crash/checkpoints", conf, 100, 13);
    System.out.println("s3a://: " + t);
    Files.writeString(Path.of("driver", "target", "checkpoint-crashes-s3.txt"), t + "\n");
    assertTrue(t.fellBack() > 10, "the crashes hit the save before its commit: " + t);
  }
}
