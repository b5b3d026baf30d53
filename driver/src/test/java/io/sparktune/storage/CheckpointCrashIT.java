package io.sparktune.storage;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.LocalFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 100 crashes injected at random points of checkpoint saves on a local disk (file://); HDFS and S3 in their ITs. */
class CheckpointCrashIT {
  @TempDir
  Path dir;

  @Test
  void noPartialCheckpointIsEverLoadedOnALocalDisk() throws Exception {
    Configuration conf = CheckpointCrashes.crashing(new Configuration(), "file", LocalFileSystem.class);
    CheckpointCrashes.Tally t = CheckpointCrashes.run(dir.resolve("checkpoints").toUri().toString(), conf, 100, 11);
    System.out.println("file://: " + t);
    Files.writeString(Path.of("driver", "target", "checkpoint-crashes-file.txt"), t + "\n");
    assertTrue(t.partialLeft() > 10 && t.fellBack() > 10, "the crashes hit the save in its middle: " + t);
  }
}
