package io.sparktune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The driver's averaging hub over real TCP connections, with tasks played by threads. */
class AveragingHubTest {
  private final byte[] key = HubCredential.forRun(false).key();
  private final AveragingHub hub = new AveragingHub("127.0.0.1", 0, "127.0.0.1", key, 1000);
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void close() {
    hub.close();
    pool.shutdownNow();
  }

  private AveragingClient client(AveragingHub.Session s, int attempt, int worker) throws IOException {
    return AveragingClient.connect(hub.host(), hub.port(), key, s.id(), attempt, worker, s.workers, s.length,
        () -> false);
  }

  @Test
  void everyTaskReceivesTheExampleWeightedMean() throws Exception {
    AveragingHub.Session s = hub.open(3, false, AveragingHub.Payload.dense(4));
    float[][] states = {{1, 2, 3, 4}, {3, 2, 1, 0}, {-1, 0.5f, 7, 1e-3f}};
    double[] weights = {32, 32, 16};
    List<Future<float[]>> means = new ArrayList<>();
    for (int w = 0; w < 3; w++) {
      int worker = w;
      means.add(pool.submit(() -> {
        try (AveragingClient c = client(s, 0, worker)) {
          float[] mean = new float[4];
          assertEquals(AveragingProtocol.DONE, c.exchange(weights[worker], true, states[worker], mean));
          assertEquals(14 + 16, c.bytesSent());
          return mean;
        }
      }));
    }
    float[] expected = new float[4];
    for (int i = 0; i < 4; i++) {
      expected[i] = (float) ((32.0 * states[0][i] + 32.0 * states[1][i] + 16.0 * states[2][i]) / 80.0);
    }
    for (Future<float[]> m : means) {
      assertArrayEquals(expected, m.get());
    }
    assertArrayEquals(expected, s.completed().finalState);
    assertEquals(1, s.completed().rounds);
  }

  /**
   * The hub sums in task order whatever order the tasks arrive in, so a run's means do not depend on timing:
   * 1e30 + (-1e30) + 1 is 1 in task order but 0 when task 2's 1 is added to task 0's 1e30 first.
   */
  @Test
  void theMeanDoesNotDependOnTheOrderTasksArriveIn() throws Exception {
    AveragingHub.Session s = hub.open(3, false, AveragingHub.Payload.dense(1));
    float[][] states = {{1e30f}, {-1e30f}, {1}};
    List<Future<float[]>> means = new ArrayList<>();
    java.util.concurrent.CountDownLatch[] sent = {new java.util.concurrent.CountDownLatch(1),
        new java.util.concurrent.CountDownLatch(1)};
    for (int w : new int[] {2, 0, 1}) { // task 2 first, then 0, then 1
      means.add(pool.submit(() -> {
        if (w == 0) {
          sent[0].await();
        } else if (w == 1) {
          sent[1].await();
        }
        try (AveragingClient c = client(s, 0, w)) {
          float[] mean = new float[1];
          pool.submit(() -> {
            Thread.sleep(300); // long enough for this task's vector to reach the hub
            (w == 2 ? sent[0] : sent[1]).countDown();
            return null;
          });
          c.exchange(1, true, states[w], mean);
          return mean;
        }
      }));
    }
    for (Future<float[]> m : means) {
      assertArrayEquals(new float[] {1f / 3}, m.get(), 0f);
    }
  }

  @Test
  void equalValuesAverageToThemselvesExactly() throws Exception {
    AveragingHub.Session s = hub.open(3, false, AveragingHub.Payload.dense(3));
    float[] same = {0.1f, (float) Math.PI, -7.0e-9f};
    List<Future<float[]>> means = new ArrayList<>();
    for (int w = 0; w < 3; w++) {
      int worker = w;
      means.add(pool.submit(() -> {
        try (AveragingClient c = client(s, 0, worker)) {
          float[] mean = new float[3];
          c.exchange(17 + worker, true, same.clone(), mean);
          return mean;
        }
      }));
    }
    for (Future<float[]> m : means) {
      assertArrayEquals(same, m.get(), 0f);
    }
  }

  /**
   * Parameter averaging ends the epoch after the round in which the first task that trained runs out: the
   * epoch's model is that round's mean, and no task trains on alone (its steps would not be averaged with any).
   */
  @Test
  void theEpochEndsAfterTheRoundInWhichTheFirstTaskRunsOut() throws Exception {
    AveragingHub.Session s = hub.open(2, false, AveragingHub.Payload.dense(2));
    Future<Integer> shortTask = pool.submit(() -> {
      try (AveragingClient c = client(s, 0, 0)) {
        float[] mean = new float[2];
        assertEquals(AveragingProtocol.CONTINUE, c.exchange(10, false, new float[] {0, 0}, mean));
        return c.exchange(10, true, new float[] {1, 1}, mean);
      }
    });
    Future<float[]> longTask = pool.submit(() -> {
      try (AveragingClient c = client(s, 0, 1)) {
        float[] mean = new float[2];
        assertEquals(AveragingProtocol.CONTINUE, c.exchange(10, false, new float[] {2, 4}, mean));
        assertArrayEquals(new float[] {1, 2}, mean);
        assertEquals(AveragingProtocol.DONE, c.exchange(30, false, new float[] {5, 9}, mean),
            "the other task ran out in this round, so it is the last, though this one has data left");
        return mean;
      }
    });
    assertEquals(AveragingProtocol.DONE, shortTask.get());
    float[] expected = {(10 * 1 + 30 * 5) / 40f, (10 * 1 + 30 * 9) / 40f};
    assertArrayEquals(expected, longTask.get());
    assertArrayEquals(expected, s.completed().finalState);
    assertEquals(2, s.completed().times.samples(), "busy times of the second round's two contributions");
  }

  /** A task whose partition had no minibatch at all does not end parameter averaging's epoch for the others. */
  @Test
  void aTaskWithoutDataWaitsWithoutStateUntilTheOthersAreDone() throws Exception {
    AveragingHub.Session s = hub.open(2, false, AveragingHub.Payload.dense(2));
    Future<Integer> emptyTask = pool.submit(() -> {
      try (AveragingClient c = client(s, 0, 0)) {
        float[] mean = new float[2];
        int status = c.exchange(0, true, null, mean);
        int rounds = 1;
        while (status == AveragingProtocol.CONTINUE) {
          status = c.exchange(0, true, null, mean);
          rounds++;
        }
        return rounds;
      }
    });
    Future<float[]> task = pool.submit(() -> {
      try (AveragingClient c = client(s, 0, 1)) {
        float[] mean = new float[2];
        assertEquals(AveragingProtocol.CONTINUE, c.exchange(10, false, new float[] {2, 4}, mean));
        assertArrayEquals(new float[] {2, 4}, mean, "alone in the round, its own state is the mean");
        assertEquals(AveragingProtocol.DONE, c.exchange(5, true, new float[] {7, 8}, mean));
        return mean;
      }
    });
    assertEquals(2, emptyTask.get());
    assertArrayEquals(new float[] {7, 8}, task.get());
    assertArrayEquals(new float[] {7, 8}, s.completed().finalState);
  }

  /**
   * The scaling model's inputs: each task's busy time per round runs from the previous round's mean to its
   * next contribution, so a task that computes 60 ms per round shows 60 ms or more, one that computes nothing
   * shows less, and a round lasts as long as its slowest task.
   */
  @Test
  void recordsEachTasksBusyTimePerRoundAndTheRoundsDuration() throws Exception {
    AveragingHub.Session s = hub.open(2, false, AveragingHub.Payload.dense(1));
    List<Future<?>> tasks = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      int worker = w;
      tasks.add(pool.submit(() -> {
        try (AveragingClient c = client(s, 0, worker)) {
          float[] mean = new float[1];
          for (int round = 0; round < 5; round++) {
            if (worker == 1) {
              Thread.sleep(60);
            }
            c.exchange(1, round == 4, new float[] {round}, mean);
          }
        }
        return null;
      }));
    }
    for (Future<?> t : tasks) {
      t.get();
    }
    RoundTimes times = s.completed().times;
    assertEquals(8, times.samples(), "4 timed rounds x 2 tasks");
    List<Double> q = times.busyQuantilesSeconds(5);
    assertEquals(5, q.size());
    assertTrue(q.get(0) < 0.03, "the idle task's busy time: " + q);
    assertTrue(q.get(3) >= 0.06 - 1e-3 && q.get(4) >= 0.06 - 1e-3, "the sleeping task's busy time: " + q);
    assertTrue(times.secondsPerRound() >= 0.06 - 1e-3, "a round lasts as long as its slowest task");
    assertTrue(times.hubSecondsPerRound() >= 0 && times.hubSecondsPerRound() < 0.03);
  }

  @Test
  void aRetriedStageReplacesTheFailedAttempt() throws Exception {
    AveragingHub.Session s = hub.open(2, false, AveragingHub.Payload.dense(1));
    AveragingClient stale = client(s, 0, 0);
    Future<Integer> staleRound = pool.submit(() -> stale.exchange(1, false, new float[] {100}, new float[1]));
    Thread.sleep(200); // attempt 0's other task died before joining; Spark re-runs the stage as attempt 1
    List<Future<float[]>> retry = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      int worker = w;
      retry.add(pool.submit(() -> {
        try (AveragingClient c = client(s, 1, worker)) {
          float[] mean = new float[1];
          c.exchange(1, true, new float[] {worker * 2}, mean);
          return mean;
        }
      }));
    }
    for (Future<float[]> m : retry) {
      assertArrayEquals(new float[] {1}, m.get());
    }
    java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
        staleRound::get);
    assertNotNull(e.getCause().getMessage());
    stale.close();
    assertArrayEquals(new float[] {1}, s.completed().finalState);
  }

  @Test
  void aSessionWithoutFinishedRoundsHasNoResult() {
    assertNull(hub.open(2, false, AveragingHub.Payload.dense(5)).completed());
  }

  @Test
  void oneBitMessagesAverageAndTheHubCompressesTheMeanWithItsOwnErrorFeedback() throws Exception {
    int[] segments = {3, 2};
    int[] blocks = {OneBitEncoder.BLOCK, OneBitEncoder.BLOCK};
    AveragingHub.Session s = hub.open(2, true, AveragingHub.Payload.oneBit(new ExchangedState.Segments(new int[2], segments, blocks)));
    float[][] updates = {{1, -1, 1, 4, 4}, {1, 1, -1, -2, -2}};
    List<Future<float[][]>> means = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      int worker = w;
      means.add(pool.submit(() -> {
        try (AveragingClient c = client(s, 0, worker)) {
          OneBitEncoder enc = new OneBitEncoder(segments, blocks);
          OneBitEncoder.Message mine = enc.newMessage();
          OneBitEncoder.Message mean = enc.newMessage();
          float[][] decoded = new float[2][5];
          enc.encode(updates[worker], mine);
          assertEquals(AveragingProtocol.CONTINUE, c.exchange(1, false, mine, mean));
          assertEquals(14 + enc.messageBytes(), c.bytesSent());
          enc.decode(mean, decoded[0]);
          enc.encode(new float[5], mine);
          assertEquals(AveragingProtocol.DONE, c.exchange(1, true, mine, mean));
          enc.decode(mean, decoded[1]);
          return decoded;
        }
      }));
    }
    // the tasks' messages decode to their own updates (all magnitudes equal within a block), so the mean is
    // {1, 0, 0, 1, 1}; compressed, its blocks have scales 1/3 and 1, and the hub keeps {2/3, -1/3, -1/3, 0, 0}
    // back, which it sends in the next round (scale 4/9) when the tasks have nothing new
    for (Future<float[][]> f : means) {
      float[][] d = f.get();
      assertArrayEquals(new float[] {1 / 3f, 1 / 3f, 1 / 3f, 1, 1}, d[0], 1e-6f);
      assertArrayEquals(new float[] {4 / 9f, -4 / 9f, -4 / 9f, 0, 0}, d[1], 1e-6f);
    }
  }

  /** Every task of a 2-task session sends {1} then {3} with weight 1 and returns its two means. */
  private List<Future<float[]>> twoRounds(AveragingHub.Session s, int tasks) {
    List<Future<float[]>> means = new ArrayList<>();
    for (int w = 0; w < tasks; w++) {
      int worker = w;
      means.add(pool.submit(() -> {
        try (AveragingClient c = client(s, 0, worker)) {
          float[] first = new float[1];
          float[] second = new float[1];
          assertEquals(AveragingProtocol.CONTINUE, c.exchange(1, false, new float[] {1 + worker}, first));
          assertEquals(AveragingProtocol.DONE, c.exchange(1, true, new float[] {3 + worker}, second));
          return new float[] {first[0], second[0]};
        }
      }));
    }
    return means;
  }

  @Test
  void aTaskWithoutTheRunsKeyIsRefusedCountedAndNeverHeard() throws Exception {
    AveragingHub.Session s = hub.open(2, false, AveragingHub.Payload.dense(1));
    byte[] otherKey = HubCredential.forRun(false).key();
    IOException e = assertThrows(IOException.class, () -> AveragingClient.connect(hub.host(), hub.port(), otherKey,
        s.id(), 0, 1, 2, 1, () -> false));
    assertTrue(e.getMessage().contains("Cannot reach the driver's averaging hub"), e.getMessage());
    for (Future<float[]> m : twoRounds(s, 2)) {
      assertArrayEquals(new float[] {1.5f, 3.5f}, m.get());
    }
    assertEquals(1, hub.refusals().count(AveragingHub.Refusal.FORGED));
    assertEquals(1, hub.refusals().total());
  }

  /**
   * A real task's bytes, recorded on their way to the hub (handshake and rounds), replayed on a new connection:
   * the hub's fresh challenge makes the recorded proof worthless, so the replay is refused and its rounds never
   * reach a session. The key itself never crosses the wire.
   */
  @Test
  void aRecordedTaskReplayedOnAnotherConnectionIsRefused() throws Exception {
    AveragingHub.Session s = hub.open(1, false, AveragingHub.Payload.dense(1));
    java.io.ByteArrayOutputStream toHub = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream fromHub = new java.io.ByteArrayOutputStream();
    try (java.net.ServerSocket proxy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Future<?> relay = pool.submit(() -> {
        try (java.net.Socket task = proxy.accept(); java.net.Socket real = new java.net.Socket(hub.host(), hub.port())) {
          Future<?> up = pool.submit(() -> copy(task, real, toHub));
          copy(real, task, fromHub);
          up.get();
        }
        return null;
      });
      try (AveragingClient c = AveragingClient.connect("127.0.0.1", proxy.getLocalPort(), key, s.id(), 0, 0, 1, 1,
          () -> false)) {
        float[] mean = new float[1];
        assertEquals(AveragingProtocol.DONE, c.exchange(8, true, new float[] {5}, mean));
        assertArrayEquals(new float[] {5}, mean);
      }
      relay.get();
    }
    assertEquals(1, s.completed().rounds);
    byte[] recorded = toHub.toByteArray();
    assertTrue(recorded.length > AveragingProtocol.HELLO_BYTES, "the hello and one round were recorded");
    for (byte[] wire : new byte[][] {recorded, fromHub.toByteArray()}) {
      assertEquals(-1, indexOf(wire, key), "the key never crosses the wire");
    }
    try (java.net.Socket replay = new java.net.Socket(hub.host(), hub.port())) {
      replay.setSoTimeout(5000);
      replay.getInputStream().readNBytes(AveragingProtocol.CHALLENGE_BYTES);
      replay.getOutputStream().write(recorded);
      replay.getOutputStream().flush();
      assertEquals(-1, replay.getInputStream().read(), "the hub closes the replaying connection without a word");
    }
    assertEquals(1, hub.refusals().count(AveragingHub.Refusal.FORGED));
    assertEquals(1, s.completed().rounds, "the replayed round never reached the session");
  }

  /** Relays what {@code from} sends to {@code to}, and a copy to {@code tap}, until {@code from} stops. */
  private static Void copy(java.net.Socket from, java.net.Socket to, java.io.ByteArrayOutputStream tap) {
    byte[] buf = new byte[8192];
    try {
      for (int n; (n = from.getInputStream().read(buf)) > 0; ) {
        synchronized (tap) {
          tap.write(buf, 0, n);
        }
        to.getOutputStream().write(buf, 0, n);
        to.getOutputStream().flush();
      }
      to.shutdownOutput();
    } catch (IOException ended) {
      // one side closed: the relay is over
    }
    return null;
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /**
   * A thousand connections that never say anything and twenty that send junk neither hold a thread each nor
   * delay the run's tasks; the junk is refused at once, the idle ones when their handshake time is up.
   */
  @Test
  void idleAndJunkConnectionsNeitherBlockTheTasksNorReachTheMean() throws Exception {
    List<java.net.Socket> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 1000; i++) {
        idle.add(new java.net.Socket(hub.host(), hub.port()));
      }
      java.util.Random random = new java.util.Random(3);
      for (int i = 0; i < 20; i++) {
        try (java.net.Socket junk = new java.net.Socket(hub.host(), hub.port())) {
          byte[] bytes = new byte[200];
          random.nextBytes(bytes);
          junk.getOutputStream().write(bytes);
          junk.setSoTimeout(5000);
          junk.getInputStream().readNBytes(AveragingProtocol.CHALLENGE_BYTES);
          assertEquals(-1, junk.getInputStream().read(), "junk is answered by closing");
        }
      }
      long threads = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.getName().startsWith("sparktune-averaging-")).count();
      assertTrue(threads < 10, threads + " hub threads for 1,020 unproven connections");
      AveragingHub.Session s = hub.open(3, false, AveragingHub.Payload.dense(1));
      for (Future<float[]> m : twoRounds(s, 3)) {
        assertArrayEquals(new float[] {2, 4}, m.get());
      }
      assertEquals(20, hub.refusals().count(AveragingHub.Refusal.JUNK));
      long deadline = System.currentTimeMillis() + 10_000;
      while (hub.refusals().count(AveragingHub.Refusal.TIMED_OUT) < 1000 && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      assertEquals(1000, hub.refusals().count(AveragingHub.Refusal.TIMED_OUT));
      assertEquals(-1, idle.get(0).getInputStream().skip(AveragingProtocol.CHALLENGE_BYTES) >= 0
          ? idle.get(0).getInputStream().read() : 0, "an idle connection is closed when its time is up");
    } finally {
      for (java.net.Socket sock : idle) {
        sock.close();
      }
    }
  }

  /** A task never sends its state to an impostor: the other end must prove it holds the run's key too. */
  @Test
  void aTaskRefusesAHubThatCannotProveItIsTheRuns() throws Exception {
    try (java.net.ServerSocket fake = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Future<byte[]> heard = pool.submit(() -> {
        try (java.net.Socket task = fake.accept()) {
          java.io.DataOutputStream out = new java.io.DataOutputStream(task.getOutputStream());
          out.writeInt(AveragingProtocol.HUB_MAGIC);
          out.write(HubCredential.challenge());
          byte[] hello = task.getInputStream().readNBytes(AveragingProtocol.HELLO_BYTES);
          out.write(HubCredential.challenge()); // not a proof
          out.flush();
          return task.getInputStream().readAllBytes();
        }
      });
      IOException e = assertThrows(IOException.class, () -> AveragingClient.connect("127.0.0.1", fake.getLocalPort(),
          key, 1, 0, 0, 1, 1, () -> false));
      assertTrue(e.getMessage().contains("could not prove that it is this run's hub"), e.getMessage());
      assertEquals(0, heard.get().length, "nothing after the hello");
    }
  }

  /** A weight that is not a finite count of examples (a 1e30 is, and is a task's own business) ends the attempt. */
  @Test
  void aRoundWithAnInfiniteWeightAbortsTheAttempt() throws Exception {
    AveragingHub.Session s = hub.open(1, false, AveragingHub.Payload.dense(1));
    try (AveragingClient c = client(s, 0, 0)) {
      assertThrows(IOException.class, () -> c.exchange(Double.POSITIVE_INFINITY, true, new float[] {1}, new float[1]));
    }
    assertNull(s.completed());
  }
}
