package io.sparktune.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.checkpoint.CheckpointStore;
import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.io.HadoopFiles;
import io.sparktune.io.Json;
import io.sparktune.job.FineTuneJob;
import io.sparktune.model.Network;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model, data, run output and checkpoints on a real HDFS (an in-JVM MiniDFSCluster: a NameNode and a
 * DataNode speaking the HDFS RPC protocol on 127.0.0.1), read and written by Spark on local[2].
 */
class HdfsIT {
  static final String MLP = "src-test-data/models/keras-mnist-mlp/mnist_mlp_tf_keras_2_";
  static final String FASHION = "src-test-data/fashion-mnist/";

  @TempDir
  static Path base;

  static MiniDFSCluster cluster;
  static String hdfs;

  @BeforeAll
  static void startHdfs() throws Exception {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.resolve("dfs").toString());
    cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    cluster.waitActive();
    hdfs = "hdfs://127.0.0.1:" + cluster.getNameNodePort();
    FileSystem fs = cluster.getFileSystem();
    for (String f : FILES) {
      fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(new File(f).getAbsolutePath()),
          new org.apache.hadoop.fs.Path("/" + f));
    }
  }

  @AfterAll
  static void stopHdfs() {
    if (cluster != null) {
      cluster.shutdown();
    }
  }

  /** The files the storage tests put on the filesystem under test, at the same relative paths. */
  static final List<String> FILES = List.of(MLP + "config.json", MLP + "weights.h5",
      FASHION + "train-images-idx3-ubyte.gz", FASHION + "train-labels-idx1-ubyte.gz",
      FASHION + "t10k-images-idx3-ubyte.gz", FASHION + "t10k-labels-idx1-ubyte.gz");

  /** The quickstart with model and data read from {@code root} (where {@link #FILES} were put) and its run at {@code out}. */
  static FineTuneSettings quickstartOn(String root, String out, List<String> extra, String... sets) {
    List<String> all = new ArrayList<>(quickstartSets(root, out));
    all.addAll(extra);
    all.addAll(List.of(sets));
    return FineTuneSettings.fromConfig(ConfigLoader.load(new File("conf/examples/quickstart.conf"), all));
  }

  /** The --set values of {@link #quickstartOn}. */
  static List<String> quickstartSets(String root, String out) {
    return List.of("spark.master=\"local[2]\"", "data.max-train-examples=2000",
        "evaluation.head-only-baseline=false", "evaluation.linear-baseline.enabled=false",
        "evaluation.worst-examples=0", "evaluation.feature-importance.enabled=false",
        "monitoring.dashboard.enabled=false", "checkpoint.keep=3",
        "model.uri=\"" + root + "/" + MLP + "config.json\"", "model.weights-uri=\"" + root + "/" + MLP + "weights.h5\"",
        "data.train-uri=\"" + root + "/" + FASHION + "train-images-idx3-ubyte.gz\"",
        "data.train-labels-uri=\"" + root + "/" + FASHION + "train-labels-idx1-ubyte.gz\"",
        "data.validation-uri=\"" + root + "/" + FASHION + "t10k-images-idx3-ubyte.gz\"",
        "data.validation-labels-uri=\"" + root + "/" + FASHION + "t10k-labels-idx1-ubyte.gz\"",
        "output.uri=\"" + out + "\"");
  }

  /** sparktune finetune of the quickstart on HDFS through the CLI, writing to {@code out}. */
  static io.sparktune.CliRun quickstartCli(String out) {
    List<String> args = new ArrayList<>(List.of("finetune", "--config", "conf/examples/quickstart.conf"));
    for (String s : quickstartSets(hdfs, out)) {
      args.addAll(List.of("--set", s));
    }
    return io.sparktune.CliRun.of(args.toArray(String[]::new));
  }

  static FineTuneSettings quickstartOnHdfs(String out, String... sets) {
    return quickstartOn(hdfs, out, List.of(), sets);
  }

  /** The finished run goes into a registry on the same filesystem; its production alias serves the same bytes. */
  static void assertRegistersAndServes(String registryUri, String run) {
    io.sparktune.registry.ModelRegistry registry = new io.sparktune.registry.ModelRegistry(registryUri);
    var v = registry.register("quickstart", run, Map.of());
    registry.move("quickstart", "production", v.number(), "test");
    assertEquals(v.number(), registry.alias("quickstart", "production").orElseThrow().number());
    assertTrue(java.util.Arrays.equals(HadoopFiles.readBytes(p(run + "/model.zip"), "run model"),
        HadoopFiles.readBytes(registry.alias("quickstart", "production").orElseThrow().model(), "registered model")));
  }

  static org.apache.hadoop.fs.Path p(String uri) {
    return new org.apache.hadoop.fs.Path(uri);
  }

  /**
   * A fine-tune reads its model and data from HDFS and writes its run there; a run that stopped after
   * its first checkpoint resumes from HDFS with exactly the saved parameters and continues.
   */
  @Test
  @SuppressWarnings("unchecked")
  void fineTunesFromAndToHdfsAndResumesFromItsCheckpoint() throws Exception {
    String out = hdfs + "/runs/quickstart";
    FineTuneJob.Result first = new FineTuneJob(quickstartOnHdfs(out, "training.epochs=1"), false, false).run();
    FileSystem fs = cluster.getFileSystem();
    for (String f : List.of("model.zip", "metrics.json", "config.conf", "_COMPLETE", "checkpoints/epoch-00001/manifest.json")) {
      assertTrue(fs.exists(p(out + "/" + f)), f + " on HDFS");
    }
    assertTrue(first.finalAccuracy() > 0.6, "learned from HDFS data: " + first.finalAccuracy());

    // the driver "died" after epoch 1: no _COMPLETE; resume with 2 epochs continues from the HDFS checkpoint
    fs.delete(p(out + "/_COMPLETE"), false);
    CheckpointStore store = new CheckpointStore(out + "/checkpoints", 3);
    Network saved = store.loadLatest().orElseThrow().network();
    FineTuneJob.Result resumed = new FineTuneJob(quickstartOnHdfs(out, "training.epochs=2"), true, false).run();
    List<Map<String, Object>> history = (List<Map<String, Object>>) resumed.metrics().get("history");
    assertEquals(2, history.size());
    assertEquals(((List<Map<String, Object>>) first.metrics().get("history")).get(0).get("validation-accuracy"),
        history.get(0).get("validation-accuracy"), "epoch 1 comes from the checkpoint, not trained again");
    assertEquals(2, store.loadLatest().orElseThrow().epoch());
    assertTrue(fs.exists(p(out + "/_COMPLETE")));
    Map<String, Object> manifest = Json.readMap(HadoopFiles.readString(p(out + "/checkpoints/epoch-00001/manifest.json"),
        "manifest"));
    assertEquals(1, ((Number) manifest.get("epoch")).intValue());
    assertTrue(saved.params().equals(store.load(p(out + "/checkpoints/epoch-00001")).network().params()),
        "the epoch-1 checkpoint is unchanged by the resumed run");

    assertRegistersAndServes(hdfs + "/registry", out);
  }

  /** A checkpoint whose model no longer matches its manifest is never loaded; the previous one is. */
  @Test
  void aCorruptCheckpointOnHdfsIsSkipped() throws Exception {
    String dir = hdfs + "/checkpoints-corrupt";
    Network net = io.sparktune.model.ModelLoader.load(hdfs + "/" + MLP + "config.json", io.sparktune.model.ModelFormat.AUTO,
        hdfs + "/" + MLP + "weights.h5", 1);
    CheckpointStore store = new CheckpointStore(dir, 3);
    store.save(1, net, null, Map.of("step", 10));
    Network changed = net.copy();
    changed.params().addi(0.5);
    store.save(2, changed, null, Map.of("step", 20));
    FileSystem fs = cluster.getFileSystem();
    byte[] model = HadoopFiles.readBytes(p(dir + "/epoch-00002/model.zip"), "model");
    try (var o = fs.create(p(dir + "/epoch-00002/model.zip"), true)) {
      o.write(model, 0, model.length / 2);
    }
    CheckpointStore.Loaded loaded = store.loadLatest().orElseThrow();
    assertEquals(1, loaded.epoch());
    assertEquals(net.params(), loaded.network().params());
  }

  @Test
  void noPartialCheckpointIsEverLoadedAfterCrashesWhileSavingToHdfs() throws Exception {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path("/crash");
    cluster.getFileSystem().mkdirs(dir);
    cluster.getFileSystem().setPermission(dir, new org.apache.hadoop.fs.permission.FsPermission((short) 0777));
    Configuration conf = CheckpointCrashes.crashing(new Configuration(), "hdfs",
        org.apache.hadoop.hdfs.DistributedFileSystem.class);
    CheckpointCrashes.Tally t = CheckpointCrashes.run(hdfs + "/crash/checkpoints", conf, 100, 12);
    System.out.println("hdfs://: " + t);
    java.nio.file.Files.writeString(Path.of("driver", "target", "checkpoint-crashes-hdfs.txt"), t + "\n");
    assertTrue(t.partialLeft() > 10 && t.fellBack() > 10, "the crashes hit the save in its middle: " + t);
  }

  @Test
  void anOutputDirectoryWithoutWriteAccessIsRefusedBeforeAnyWork() throws Exception {
    org.apache.hadoop.fs.Path locked = new org.apache.hadoop.fs.Path("/locked");
    cluster.getFileSystem().mkdirs(locked);
    cluster.getFileSystem().setPermission(locked, new org.apache.hadoop.fs.permission.FsPermission((short) 0755));
    io.sparktune.CliRun r = org.apache.hadoop.security.UserGroupInformation.createRemoteUser("alice").doAs(
        (java.security.PrivilegedExceptionAction<io.sparktune.CliRun>) () -> quickstartCli(hdfs + "/locked/run"));
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("Cannot write the output directory") && r.err().contains("Permission denied")
        && r.err().contains("user=alice"), r.err());
    assertTrue(!cluster.getFileSystem().exists(new org.apache.hadoop.fs.Path("/locked/run")), "nothing written");
  }

  @Test
  void aFullDiskEndsTheRunWithAClearErrorAndLeavesNoPartialRun() throws Exception {
    org.apache.hadoop.fs.Path full = new org.apache.hadoop.fs.Path("/full");
    cluster.getFileSystem().mkdirs(full);
    // a 1 MiB space quota: HDFS refuses the first block (it reserves a whole block per replica), as a full disk
    cluster.getFileSystem().setQuota(full, org.apache.hadoop.hdfs.protocol.HdfsConstants.QUOTA_DONT_SET, 1 << 20);
    io.sparktune.CliRun r = quickstartCli(hdfs + "/full/run");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("quota") && r.err().contains("/full"), r.err());
    assertTrue(!cluster.getFileSystem().exists(new org.apache.hadoop.fs.Path("/full/run")),
        "the failed run's directory is removed: nothing that looks like output stays");
  }
}
