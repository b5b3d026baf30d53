package io.sparktune.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The retrain lock on a local disk: held, refused, released, stale taken over, lost, one winner of a race. */
class DirectoryLockTest {
  static final Duration BEAT = Duration.ofMillis(200);
  static final Duration STALE = Duration.ofSeconds(5);

  @TempDir
  Path dir;

  DirectoryLock take(String purpose) {
    return DirectoryLock.acquire(dir.toString(), "retrain", purpose, BEAT, STALE, "retrain.lock.stale-after");
  }

  @Test
  void aHeldLockIsRefusedWithItsHolderAndFreeAfterRelease() {
    try (DirectoryLock first = take("first")) {
      String msg = assertThrows(DirectoryLock.HeldException.class, () -> take("second")).getMessage();
      assertTrue(msg.contains("for first") && msg.contains("pid " + ProcessHandle.current().pid())
          && msg.contains("Nothing was done"), msg);
      assertTrue(first.held());
    }
    try (DirectoryLock again = take("third")) {
      assertTrue(again.held());
      assertTrue(Files.exists(dir.resolve("000002.json")), "a new generation after the release");
    }
  }

  @Test
  void theHeartbeatAdvancesWhileHeld() throws Exception {
    try (DirectoryLock lock = take("beating")) {
      long first = Long.parseLong(Files.readString(dir.resolve("000001.heartbeat")).trim());
      Thread.sleep(BEAT.toMillis() * 4);
      long later = Long.parseLong(Files.readString(dir.resolve("000001.heartbeat")).trim());
      assertTrue(later > first, "heartbeat " + first + " -> " + later);
    }
  }

  @Test
  void aStaleLockOfADeadHolderIsTakenOver() throws Exception {
    Files.writeString(dir.resolve("000001.json"), "{\"host\":\"gone\",\"pid\":1,\"user\":\"x\",\"purpose\":\"old\","
        + "\"since\":\"2026-01-01T00:00:00Z\"}");
    Files.writeString(dir.resolve("000001.heartbeat"), Long.toString(System.currentTimeMillis() - STALE.toMillis() - 1));
    try (DirectoryLock lock = take("new")) {
      assertTrue(lock.held());
      assertTrue(Files.exists(dir.resolve("000002.json")));
    }
  }

  @Test
  void aFreshHeartbeatOfAnotherHolderIsRespected() throws Exception {
    Files.writeString(dir.resolve("000001.json"), "{\"host\":\"elsewhere\",\"pid\":7,\"user\":\"x\",\"purpose\":\"p\","
        + "\"since\":\"2026-01-01T00:00:00Z\"}");
    Files.writeString(dir.resolve("000001.heartbeat"), Long.toString(System.currentTimeMillis() - 1000));
    String msg = assertThrows(DirectoryLock.HeldException.class, () -> take("new")).getMessage();
    assertTrue(msg.contains("elsewhere") && msg.contains("pid 7"), msg);
  }

  @Test
  void aHolderTakenOverKnowsItLostTheLockAndLeavesTheNewOneAlone() throws Exception {
    DirectoryLock paused = take("paused");
    Files.writeString(dir.resolve("000002.json"), "{\"host\":\"other\",\"pid\":9}");
    assertFalse(paused.held());
    paused.close();
    assertFalse(Files.exists(dir.resolve("000001.released")), "a lost lock is not released by its old holder");
    assertThrows(DirectoryLock.HeldException.class, () -> take("third"), "generation 2 is the lock now");
  }

  @Test
  void ofManyConcurrentTakersExactlyOneWins() throws Exception {
    for (int round = 0; round < 20; round++) {
      Path roundDir = Files.createDirectory(dir.resolve("round-" + round));
      int takers = 6;
      ExecutorService pool = Executors.newFixedThreadPool(takers);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<DirectoryLock>> results = new ArrayList<>();
      for (int t = 0; t < takers; t++) {
        results.add(pool.submit(() -> {
          start.await();
          try {
            return DirectoryLock.acquire(roundDir.toString(), "retrain", "race", BEAT, STALE, "stale-after");
          } catch (DirectoryLock.HeldException e) {
            return null;
          }
        }));
      }
      start.countDown();
      // every taker must have tried before the winner lets go: a taker that only starts after the release
      // rightly gets the next generation (that is sequential, not concurrent)
      List<DirectoryLock> winners = new ArrayList<>();
      for (Future<DirectoryLock> f : results) {
        DirectoryLock l = f.get();
        if (l != null) {
          winners.add(l);
        }
      }
      winners.forEach(DirectoryLock::close);
      pool.shutdown();
      assertEquals(1, winners.size(), "round " + round);
    }
  }

  /** A killed run on this host is not waited for: its process is gone, so its lock is free at once. */
  @Test
  void aLockOfAProcessOnThisHostThatEndedIsTakenOverAtOnce() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    String host = java.lang.management.ManagementFactory.getRuntimeMXBean().getName().replaceFirst("^[^@]*@", "");
    Files.writeString(dir.resolve("000001.json"), "{\"host\":\"" + host + "\",\"pid\":" + gone.pid()
        + ",\"user\":\"x\",\"purpose\":\"killed\",\"since\":\"2026-01-01T00:00:00Z\"}");
    Files.writeString(dir.resolve("000001.heartbeat"), Long.toString(System.currentTimeMillis()));
    try (DirectoryLock lock = take("after the kill")) {
      assertTrue(lock.held());
    }
  }
}
