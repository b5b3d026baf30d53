package io.sparktune.retrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparktune.ChildSparktune;
import io.sparktune.CliRun;
import io.sparktune.io.Json;
import io.sparktune.registry.ModelRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scheduled retraining through the CLI on real mail: production is the spam LSTM fine-tuned on the 2002
 * mail; deliveries of newer mail arrive as partitions. A good delivery is promoted, nothing new changes
 * nothing, a delivery with every label flipped is trained on, registered as a candidate and refused by the
 * gate, a half-written partition is never read, the same decision is never made twice, and a held lock
 * stops a second retrain with exit code 3.
 */
class RetrainIT {
  static final String SPAM = "src-test-data/text/spamassassin/";

  @TempDir
  Path dir;

  List<String> sets() {
    return List.of("spark.master=\"local[2]\"", "retrain.registry-uri=\"" + dir.resolve("registry") + "\"",
        "retrain.incoming-uri=\"" + dir.resolve("incoming") + "\"", "output.uri=\"" + dir.resolve("retrains") + "\"",
        "training.epochs=2", "data.text.max-length=48", "comparison.bootstrap-replicates=200",
        "monitoring.dashboard.enabled=false", "evaluation.worst-examples=0",
        "comparison.degradation.per-class-metric=\"\"");
  }

  CliRun retrain() {
    return retrainWith(sets());
  }

  CliRun retrainWith(List<String> sets) {
    List<String> args = new ArrayList<>(List.of("retrain", "--config", "conf/examples/retrain-spam.conf"));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    return CliRun.of(args.toArray(String[]::new));
  }

  static List<String> lines(String file) throws Exception {
    List<String> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(
        Files.newInputStream(Path.of(file))), StandardCharsets.UTF_8))) {
      for (String l = r.readLine(); l != null; l = r.readLine()) {
        out.add(l);
      }
    }
    return out;
  }

  void deliver(String partition, List<String> records, boolean ready) throws Exception {
    Path p = Files.createDirectories(dir.resolve("incoming").resolve(partition));
    Files.write(p.resolve("part-00000.jsonl"), records);
    if (ready) {
      Files.writeString(p.resolve("_SUCCESS"), "");
    }
  }

  static List<String> flipped(List<String> records) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<String> out = new ArrayList<>();
    for (String r : records) {
      ObjectNode o = (ObjectNode) json.readTree(r);
      o.put("label", o.get("label").asText().equals("spam") ? "ham" : "spam");
      out.add(json.writeValueAsString(o));
    }
    return out;
  }

  /** Production version 1: the spam LSTM fine-tuned briefly on 300 of the 2002 messages. */
  ModelRegistry production() {
    Path first = dir.resolve("first");
    CliRun made = CliRun.of("finetune", "--config", "conf/examples/spam-text.conf", "--set", "spark.master=\"local[2]\"",
        "--set", "data.train-uri=\"" + SPAM + "old-2002.jsonl.gz\"", "--set", "data.validation-uri=\"\"",
        "--set", "data.max-train-examples=300", "--set", "model.adapt.domain-vocabulary.max-new-tokens=0",
        "--set", "training.epochs=1", "--set", "data.text.max-length=48", "--set", "monitoring.dashboard.enabled=false",
        "--set", "evaluation.worst-examples=0", "--output", first.toString());
    assertEquals(0, made.code(), made.err());
    String reg = dir.resolve("registry").toString();
    assertEquals(0, CliRun.of("registry", "register", "--registry", reg, "--name", "spam-filter", "--run",
        first.toString(), "--alias", "production").code());
    return new ModelRegistry(reg);
  }

  @Test
  @SuppressWarnings("unchecked")
  void promotesAGoodDeliveryRefusesAPoisonedOneAndNeverRunsTwice() throws Exception {
    ModelRegistry registry = production();
    List<String> newer = lines(SPAM + "new-train.jsonl.gz");
    deliver("day=2026-11-01", newer.subList(0, 500), true);
    CliRun good = retrain();
    assertEquals(0, good.code(), good.err());
    assertTrue(good.out().contains("RETRAIN: promoted"), good.out());
    assertEquals(2, registry.alias("spam-filter", "production").orElseThrow().number());
    Map<String, Object> lineage = (Map<String, Object>) registry.version("spam-filter", 2).orElseThrow().info()
        .get("retrain");
    assertEquals(1, lineage.get("parent-version"));
    assertEquals(List.of("day=2026-11-01"), lineage.get("trained-on"));
    Map<String, Object> promoted = registry.retrainRecords("spam-filter").get(0);
    assertEquals(500, ((Number) promoted.get("new-examples")).intValue());
    assertTrue(((String) promoted.get("reason")).contains("Version 2 is production now"), (String) promoted.get("reason"));

    CliRun nothing = retrain();
    assertEquals(0, nothing.code(), nothing.err());
    assertTrue(nothing.out().contains("RETRAIN: no-new-data"), nothing.out());
    assertEquals(2, registry.versions("spam-filter").size(), "nothing new, no new version");

    deliver("day=2026-11-02", flipped(newer.subList(500, 1000)), true);
    deliver("day=2026-11-03", newer.subList(0, 100), false); // still being written: no _SUCCESS
    CliRun poisoned = retrain();
    assertEquals(0, poisoned.code(), poisoned.err());
    assertTrue(poisoned.out().contains("RETRAIN: kept-production"), poisoned.out());
    assertEquals(2, registry.alias("spam-filter", "production").orElseThrow().number(), "production unchanged");
    assertEquals(3, registry.alias("spam-filter", "candidate").orElseThrow().number(), "the refused candidate");
    Map<String, Object> refused = registry.retrainRecords("spam-filter").get(2);
    assertEquals("kept-production", refused.get("decision"));
    assertTrue(((String) refused.get("reason")).contains("degrades against production version 2"),
        (String) refused.get("reason"));
    assertEquals(List.of("day=2026-11-02"), ((List<Map<String, Object>>) refused.get("new-data")).stream()
        .map(m -> m.get("name")).toList(), "the partition without _SUCCESS is not read");
    Map<String, Object> inRun = Json.readMap(Files.readString(Path.of((String) refused.get("run"))
        .resolve("retrain.json")));
    assertEquals("kept-production", inRun.get("decision"));

    CliRun again = retrain();
    assertTrue(again.out().contains("already decided"), again.out());
    assertEquals(3, registry.versions("spam-filter").size());
    assertEquals(3, registry.retrainRecords("spam-filter").size(), "the same data is never decided twice");
    assertTrue(registry.version("spam-filter", 2).orElseThrow().info().toString().contains("data-profile.json"),
        "every version keeps the profile of its training data");

    // the poisoned delivery's class prior (about 60% spam after the flip) against production's 40%: PSI about 0.16
    List<String> strict = new ArrayList<>(sets());
    strict.add("retrain.drift.max-class-psi=0.1");
    CliRun drifted = retrainWith(strict);
    assertEquals(0, drifted.code(), drifted.err());
    assertTrue(drifted.out().contains("RETRAIN: refused-drift") && drifted.out().contains("the class prior's PSI"),
        drifted.out());
    assertEquals(3, registry.versions("spam-filter").size(), "nothing trained on drifted data");
    Map<String, Object> drift = (Map<String, Object>) registry.retrainRecords("spam-filter").get(3).get("drift");
    assertTrue(((Number) ((Map<String, Object>) drift.get("class-prior")).get("psi")).doubleValue() > 0.1, "" + drift);
    assertTrue(drift.containsKey("embedding-shift") && drift.containsKey("unknown-token-share"), "" + drift);

    Path lock = dir.resolve("registry/spam-filter/retrain/lock");
    Files.writeString(lock.resolve("000099.json"), "{\"host\":\"scheduler-2\",\"pid\":4242,\"user\":\"etl\","
        + "\"purpose\":\"retrain of spam-filter\",\"since\":\"2026-11-27T00:00:00Z\"}");
    Files.writeString(lock.resolve("000099.heartbeat"), Long.toString(System.currentTimeMillis()));
    CliRun busy = retrain();
    assertEquals(3, busy.code(), busy.err());
    assertTrue(busy.err().contains("scheduler-2") && busy.err().contains("pid 4242"), busy.err());
    assertFalse(busy.out().contains("RETRAIN:"), "nothing was done");
  }

  @Test
  void aRetrainKilledAfterItsFirstCheckpointResumesWhenStartedAgain() throws Exception {
    ModelRegistry registry = production();
    deliver("day=2026-11-01", lines(SPAM + "new-train.jsonl.gz").subList(0, 500), true);
    List<String> args = new ArrayList<>(List.of("retrain", "--config", "conf/examples/retrain-spam.conf"));
    for (String s : sets()) {
      args.addAll(List.of("--set", s));
    }
    Path log = dir.resolve("killed-retrain.log");
    Process child = ChildSparktune.start(log, args.toArray(String[]::new));
    long deadline = System.currentTimeMillis() + 180_000;
    while (!Files.readString(log).matches("(?s).*Checkpoint saved: \\S*/checkpoints/epoch-00001.*")) {
      assertTrue(child.isAlive(), "the retrain ended before its first checkpoint: " + Files.readString(log));
      assertTrue(System.currentTimeMillis() < deadline, "no checkpoint within 3 minutes");
      Thread.sleep(20);
    }
    child.destroyForcibly().waitFor(); // SIGKILL while holding the lock, mid fine-tune
    assertEquals(137, child.exitValue());
    Path run;
    try (var runs = Files.list(dir.resolve("retrains"))) {
      run = runs.filter(Files::isDirectory).findFirst().orElseThrow();
    }
    Path epoch1 = run.resolve("checkpoints/epoch-00001/model.zip");
    byte[] savedAtKill = Files.readAllBytes(epoch1);
    var savedAt = Files.getLastModifiedTime(epoch1);

    // the killed holder's heartbeat stops; the next retrain waits out stale-after, then takes over and resumes
    List<String> resumed = new ArrayList<>(sets());
    resumed.addAll(List.of("retrain.lock.heartbeat=1s", "retrain.lock.stale-after=3s"));
    Thread.sleep(3_500);
    CliRun again = retrainWith(resumed);
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("RETRAIN: promoted"), again.out());
    assertTrue(java.util.Arrays.equals(savedAtKill, Files.readAllBytes(epoch1)) && savedAt.equals(
        Files.getLastModifiedTime(epoch1)), "epoch 1 was resumed from its checkpoint, not trained and saved again");
    assertEquals(1, registry.retrainRecords("spam-filter").size());
    assertEquals(2, registry.alias("spam-filter", "production").orElseThrow().number());
  }
}
