package io.sparktune.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sparktune.checkpoint.CheckpointStore;
import io.sparktune.io.HadoopFiles;
import io.sparktune.model.ModelFormat;
import io.sparktune.model.ModelLoader;
import io.sparktune.model.Network;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Crashes injected at random points of checkpoint saves: after each one a "restarted process" loads the
 * newest checkpoint and must get exactly the parameters of a complete save, the one just attempted if its
 * commit got through, else the one before; then it saves the lost epoch again (as a resumed run would)
 * and the next crash follows.
 */
final class CheckpointCrashes {
  private CheckpointCrashes() {}

  /** What the crashes hit: how often a partial checkpoint was left behind and which checkpoint was loaded. */
  record Tally(int crashes, long operationsPerSave, long bytesPerSave, int partialLeft, int fellBack, int newLoaded) {
    @Override
    public String toString() {
      return crashes + " crashes (a save: " + operationsPerSave + " file system operations, " + bytesPerSave
          + " bytes): " + partialLeft + " left a partial checkpoint behind, " + fellBack
          + " resumed from the previous complete checkpoint, " + newLoaded + " from the one being saved (its "
          + "commit had got through); 0 partial checkpoints loaded";
    }
  }

  /**
   * Routes {@code scheme} through {@link CrashingFileSystem} over {@code inner} in {@code conf} (used by
   * HadoopFiles from then on).
   */
  static Configuration crashing(Configuration conf, String scheme, Class<? extends FileSystem> inner) {
    Configuration c = new Configuration(conf);
    c.setClass("fs." + scheme + ".impl", CrashingFileSystem.class, FileSystem.class);
    c.setClass("sparktune.crash.inner." + scheme, inner, FileSystem.class);
    c.setBoolean("fs." + scheme + ".impl.disable.cache", false);
    return c;
  }

  /**
   * Runs the crashes as user "crash-test": Hadoop caches file systems per scheme, authority and user, so
   * this user gets the crashing instances while the test's other file systems stay as they are.
   */
  static Tally run(String baseUri, Configuration conf, int crashes, long seed) throws Exception {
    org.apache.hadoop.security.UserGroupInformation ugi =
        org.apache.hadoop.security.UserGroupInformation.createRemoteUser("crash-test");
    Configuration before = HadoopFiles.configuration();
    HadoopFiles.useConfiguration(conf);
    try {
      return ugi.doAs((java.security.PrivilegedExceptionAction<Tally>) () -> crashes(baseUri, crashes, seed));
    } finally {
      HadoopFiles.useConfiguration(before);
      FileSystem.closeAllForUGI(ugi);
    }
  }

  private static Tally crashes(String baseUri, int crashes, long seed) throws Exception {
    Network net = ModelLoader.load("src-test-data/models/dl4j-iris-mlp/trained_iris_model.zip", ModelFormat.AUTO, "",
        seed);
    Map<Integer, float[]> saved = new HashMap<>();
    Random random = new Random(seed);
    CheckpointStore store = new CheckpointStore(baseUri, 2);
    // epochs 1 and 2 saved without a crash: there is always a previous complete checkpoint to fall back to,
    // and from the third save on every save also prunes the oldest (keep = 2): crashes can hit that too
    save(store, net, 1, saved);
    save(store, net, 2, saved);
    long[] sizeOfASave = measureSave(store, net, 3, saved); // {operations, bytes}
    int complete = 3;
    int partialLeft = 0;
    int fellBack = 0;
    int newLoaded = 0;
    for (int i = 0; i < crashes; i++) {
      int epoch = complete + 1;
      // half the crashes before a random operation (create, close = commit, delete, mkdirs), half at a random byte
      boolean atOperation = random.nextBoolean();
      long crashAt = (long) (random.nextDouble() * sizeOfASave[atOperation ? 0 : 1]);
      String where = (atOperation ? "before operation " : "at byte ") + crashAt;
      if (atOperation) {
        CrashingFileSystem.Crash.arm(crashAt, Long.MAX_VALUE);
      } else {
        CrashingFileSystem.Crash.arm(Long.MAX_VALUE, crashAt);
      }
      try {
        save(store, net, epoch, saved);
        fail("no crash " + where);
      } catch (RuntimeException expected) {
        // the process died here
      } finally {
        CrashingFileSystem.Crash.disarm();
      }
      CheckpointStore restarted = new CheckpointStore(baseUri, 2);
      if (restarted.candidates().stream().anyMatch(d -> !loadable(restarted, d))) {
        partialLeft++;
      }
      Optional<CheckpointStore.Loaded> loaded = restarted.loadLatest();
      assertTrue(loaded.isPresent(), "crash " + i + " " + where + ": nothing loadable left");
      int got = loaded.get().epoch();
      assertTrue(got == epoch || got == epoch - 1, "crash " + i + " " + where + ": loaded epoch " + got
          + ", expected " + epoch + " or " + (epoch - 1));
      assertArrayEquals(saved.get(got), loaded.get().network().params().toFloatVector(),
          "crash " + i + " " + where + ": the parameters of epoch " + got + " as saved");
      Object step = loaded.get().manifest().get("step");
      assertEquals(String.valueOf(got * 10L), String.valueOf(step),
          "crash " + i + " " + where + ": the training state saved with epoch " + got);
      if (got == epoch) {
        newLoaded++;
      } else {
        fellBack++;
        save(restarted, net, epoch, saved); // the resumed run trains and saves the lost epoch again
      }
      complete = epoch;
    }
    return new Tally(crashes, sizeOfASave[0], sizeOfASave[1], partialLeft, fellBack, newLoaded);
  }

  private static boolean loadable(CheckpointStore store, org.apache.hadoop.fs.Path dir) {
    try {
      store.load(dir);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  /** Saves epoch {@code epoch}: parameters made distinct per epoch, remembered for the check. */
  private static void save(CheckpointStore store, Network net, int epoch, Map<Integer, float[]> saved) {
    net.params().assign(epoch * 0.001 + 0.5).addi(org.nd4j.linalg.factory.Nd4j.linspace(0, 1, net.numParams())
        .reshape(net.params().shape()).castTo(net.params().dataType()));
    saved.put(epoch, net.params().toFloatVector());
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("step", epoch * 10L);
    store.save(epoch, net, null, state);
  }

  /** {operations, bytes} of one save: the ranges crash points are drawn from. */
  private static long[] measureSave(CheckpointStore store, Network net, int epoch, Map<Integer, float[]> saved) {
    CrashingFileSystem.Crash.disarm();
    save(store, net, epoch, saved);
    long[] size = {CrashingFileSystem.Crash.operations, CrashingFileSystem.Crash.bytes};
    assertTrue(size[0] >= 5 && size[1] > 1000, "a save goes through the crashing file system: " + size[0]
        + " operations, " + size[1] + " bytes");
    return size;
  }
}
