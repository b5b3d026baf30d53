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
  private final AveragingHub hub = new AveragingHub("127.0.0.1", 0, "127.0.0.1");
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void close() {
    hub.close();
    pool.shutdownNow();
  }

  private AveragingClient client(AveragingHub.Session s, int attempt, int worker) throws IOException {
    return AveragingClient.connect(hub.host(), hub.port(), s.id(), attempt, worker, s.workers, s.length, () -> false);
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
}
