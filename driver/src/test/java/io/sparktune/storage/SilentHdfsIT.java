package io.sparktune.storage;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.CliRun;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A "NameNode" that accepts connections and never answers (a real TCP listener, as a wrong port or a hung
 * server looks): the run must end with an error line naming the URI within a few minutes instead of hanging
 * (Hadoop's default RPC timeout is none). sparktune's timeouts: {@code HadoopFiles.TIMEOUTS}.
 */
class SilentHdfsIT {
  @TempDir
  Path dir;

  @Test
  void anHdfsAddressThatNeverAnswersEndsTheRunWithAnError() throws Exception {
    List<Socket> held = new ArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        while (!silent.isClosed()) {
          try {
            Socket s = silent.accept();
            synchronized (held) {
              held.add(s); // read nothing, answer nothing
            }
          } catch (java.io.IOException e) {
            return;
          }
        }
      }, "silent-namenode");
      acceptor.setDaemon(true);
      acceptor.start();
      String uri = "hdfs://127.0.0.1:" + silent.getLocalPort() + "/data/iris.csv";
      long t0 = System.nanoTime();
      CliRun r = CliRun.of("finetune", "--config", "conf/examples/iris-csv.conf", "--output",
          dir.resolve("out").toString(), "--set", "spark.master=\"local[2]\"", "--set", "data.train-uri=\"" + uri + "\"");
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertNotEquals(0, r.code(), r.err());
      assertTrue(r.err().lines().anyMatch(l -> l.startsWith("error: ") && l.contains(uri)), r.err());
      assertTrue(seconds < 240, "ended after " + seconds + " s");
      synchronized (held) {
        assertTrue(!held.isEmpty(), "the client did connect to the silent listener");
        for (Socket s : held) {
          s.close();
        }
      }
    }
  }
}
