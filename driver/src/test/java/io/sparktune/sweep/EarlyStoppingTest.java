package io.sparktune.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EarlyStoppingTest {
  @TempDir
  Path dir;

  private Trial reach(SweepState state, double... metrics) {
    Trial t = state.add(Map.of("x", metrics[0]));
    for (double m : metrics) {
      t.history.add(m);
    }
    return t;
  }

  @Test
  void ashaRungsAndPromotions() {
    Asha asha = new Asha(1, 9, 3);
    assertEquals(List.of(1, 3), asha.rungs());
    SweepState state = SweepState.load(dir.resolve("s").toString());
    Trial a = reach(state, 0.5);
    assertFalse(asha.proceed(a, 1, state), "alone at the rung: floor(1/3) = 0 go on");
    a.status = Trial.Status.PAUSED;
    Trial b = reach(state, 0.7);
    assertFalse(asha.proceed(b, 1, state));
    b.status = Trial.Status.PAUSED;
    Trial c = reach(state, 0.6);
    assertFalse(asha.proceed(c, 1, state), "third at the rung, not the best of three");
    c.status = Trial.Status.PAUSED;
    EarlyStopping.Promotion p = asha.promotion(state);
    assertSame(b, p.trial(), "the best of three at rung 1 is promoted");
    assertEquals(9, p.epochs());
    b.status = Trial.Status.RUNNING;
    assertNull(asha.promotion(state), "only floor(3/3) = 1 promotion at rung 1");
    Trial d = reach(state, 0.9);
    assertTrue(asha.proceed(d, 1, state), "the best of four at rung 1 goes straight on");
    assertTrue(asha.proceed(d, 2, state), "no rung at epoch 2");
  }

  @Test
  void hyperbandDealsTrialsToBracketsThatHalveSeparately() {
    Hyperband hb = Hyperband.of(1, 9, 3);
    assertEquals(List.of(9, 3, 1), hb.brackets().stream().map(Asha::minEpochs).toList(), "first rungs per bracket");
    assertEquals(List.of(), hb.brackets().get(0).rungs(), "bracket 0 trains every trial fully");
    SweepState state = SweepState.load(dir.resolve("hb").toString());
    Trial full = reach(state, 0.1); // id 0: bracket 0
    Trial mid = reach(state, 0.5); // id 1: bracket 1, rungs at 3
    Trial aggressive = reach(state, 0.5); // id 2: bracket 2, rungs at 1 and 3
    assertTrue(hb.proceed(full, 1, state), "bracket 0 has no rungs");
    assertTrue(hb.proceed(mid, 1, state), "bracket 1 has no rung at epoch 1");
    assertFalse(hb.proceed(aggressive, 1, state), "bracket 2 pauses at epoch 1 (alone there)");
    Trial another = reach(state, 0.2, 0.2, 0.2); // id 3: bracket 0 again
    assertTrue(hb.proceed(another, 1, state));
  }

  @Test
  void medianRuleStopsTrialsBelowTheMedianOfOthers() {
    MedianStopping median = new MedianStopping(5, 2, 3);
    SweepState state = SweepState.load(dir.resolve("m").toString());
    reach(state, 0.5, 0.6);
    reach(state, 0.5, 0.7);
    Trial weak = reach(state, 0.3, 0.4);
    assertTrue(median.proceed(weak, 2, state), "only two others have reached epoch 2");
    reach(state, 0.6, 0.8);
    assertFalse(median.proceed(weak, 2, state), "0.4 is below the median 0.7 of 0.6, 0.7, 0.8");
    assertTrue(median.proceed(weak, 1, state), "within the grace epochs");
    Trial good = reach(state, 0.2, 0.75);
    assertTrue(median.proceed(good, 2, state));
  }

  @Test
  void stateSurvivesSaveAndLoadAndSkipsABrokenNewestFile() throws Exception {
    String d = dir.resolve("state").toString();
    SweepState s = SweepState.load(d);
    Trial t = reach(s, 0.5, 0.6);
    t.status = Trial.Status.COMPLETED;
    t.output = "runs/x";
    s.save();
    java.nio.file.Files.writeString(dir.resolve("state/sweep-state-00000002.json"), "{\"trials\": [ {\"id\": ");
    SweepState back = SweepState.load(d);
    assertEquals(1, back.trials().size());
    assertEquals(List.of(0.5, 0.6), back.trials().get(0).history);
    assertEquals(Trial.Status.COMPLETED, back.trials().get(0).status());
    assertEquals(0.6, back.trials().get(0).score());
  }
}
