package io.sparktune.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.cli.SparktuneCli;
import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.io.Json;
import io.sparktune.job.FineTuneJob;
import io.sparktune.model.Network;
import io.sparktune.model.layers.PrefixEmbedding;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The text path end to end on local[2] with real SpamAssassin mail and the LSTM pre-trained on the older
 * part of the corpus (conf/examples/spam-text.conf): domain vocabulary saved with the model and used
 * again by evaluate, and prefix tuning leaving every pre-trained parameter as it was.
 */
class TextIT {
  static final String MODEL_DIR = "src-test-data/models/spam-lstm/";

  @TempDir
  Path dir;

  static FineTuneSettings spam(Path out, String... sets) {
    List<String> all = new ArrayList<>(List.of("spark.master=\"local[2]\"", "training.epochs=1",
        "data.text.max-length=48", "evaluation.worst-examples=0", "monitoring.dashboard.enabled=false",
        "output.uri=\"" + out + "\""));
    all.addAll(List.of(sets));
    return FineTuneSettings.fromConfig(ConfigLoader.load(new File("conf/examples/spam-text.conf"), all));
  }

  static Network saved(Path run) throws Exception {
    return Network.restore(Files.readAllBytes(run.resolve("model.zip")), false);
  }

  static Network pretrained() throws Exception {
    return Network.restore(Files.readAllBytes(Path.of(MODEL_DIR + "model.zip")), false);
  }

  @Test
  @SuppressWarnings("unchecked")
  void domainVocabularyIsSavedWithTheModelAndEvaluateTokenisesWithIt() throws Exception {
    Path run = dir.resolve("domain");
    FineTuneJob.Result r = new FineTuneJob(spam(run, "model.adapt.domain-vocabulary.max-new-tokens=200",
        "evaluation.linear-baseline.enabled=true"), false, false).run();
    Vocabulary pre = Vocabulary.parse(Files.readString(Path.of(MODEL_DIR + "vocabulary.txt")), "pre-trained");
    Vocabulary saved = Vocabulary.parse(Files.readString(run.resolve("vocabulary.txt")), "saved");
    Map<String, Object> text = (Map<String, Object>) r.metrics().get("text");
    assertEquals(200, ((Number) text.get("domain-tokens-added")).intValue());
    assertEquals(pre.size() + 200, saved.size());
    assertEquals(pre.known(), saved.known().subList(0, pre.known().size()), "the pre-trained ids do not move");
    assertTrue(saved.known().subList(pre.known().size(), saved.known().size()).stream().noneMatch(pre::contains));
    assertEquals(saved.size(), saved(run).embeddingRows(), "one embedding row per id");

    double pretrainedAsIs = r.baselineAccuracy();
    assertTrue(pretrainedAsIs > 0.8, "the pre-trained filter already knows spam: " + pretrainedAsIs);
    assertTrue(r.finalAccuracy() > 0.85, "fine-tuned on the newer mail: " + r.finalAccuracy());
    Map<String, Object> linear = (Map<String, Object>) r.metrics().get("linear-baseline");
    assertTrue(((String) linear.get("model")).contains("bag-of-words"), linear.toString());
    assertTrue(((Number) linear.get("accuracy")).doubleValue() > 0.8, "bag of words is a real baseline: " + linear);

    Path eval = dir.resolve("eval");
    assertEquals(0, SparktuneCli.execute("evaluate", "--config", "conf/examples/spam-text.conf", "--set",
        "spark.master=\"local[2]\"", "--set", "data.text.max-length=48", "--model", run.toString(), "--data",
        "src-test-data/text/spamassassin/new-test.jsonl.gz", "--output", eval.toString()));
    Map<String, Object> evaluation = (Map<String, Object>) Json.readMap(Files.readString(eval.resolve("metrics.json")))
        .get("evaluation");
    assertEquals(r.finalAccuracy(), ((Number) evaluation.get("accuracy")).doubleValue(), 0.0,
        "evaluate reads the saved vocabulary: the same token ids, the same predictions");
  }

  @Test
  void prefixTuningTrainsThePrefixAndNothingElse() throws Exception {
    Path run = dir.resolve("prefix");
    FineTuneJob.Result r = new FineTuneJob(spam(run, "techniques.prefix-tuning.enabled=true",
        "techniques.prefix-tuning.length=5", "model.adapt.domain-vocabulary.max-new-tokens=0",
        "training.learning-rate=0.003", "evaluation.linear-baseline.enabled=false"), false, false).run();
    assertEquals(5L * 32, ((Number) r.metrics().get("trainable-parameters")).longValue());
    Network before = pretrained();
    Network after = saved(run);
    assertTrue(after.layers()[0].conf().getLayer() instanceof PrefixEmbedding);
    assertEquals(before.layers()[0].getParam("W"), after.layers()[0].getParam(PrefixEmbedding.WEIGHT),
        "embedding rows bit-identical");
    for (int i = 1; i < before.layers().length; i++) {
      assertEquals(before.layers()[i].params(), after.layers()[i].params(), "layer " + i + " bit-identical");
    }
    INDArray start = after.layers()[0].getParam(PrefixEmbedding.WEIGHT).getRows(2, 3, 4, 5, 6);
    assertNotEquals(start, after.layers()[0].getParam(PrefixEmbedding.PREFIX), "the prefix trained");
    assertTrue(r.finalAccuracy() > 0.75, "still a spam filter: " + r.finalAccuracy());
  }

  /** A frozen embedding and LSTM cached once give the same head training as running them every epoch (masks kept). */
  @Test
  @SuppressWarnings("unchecked")
  void cachedFrozenTrunkOfATextModelTrainsLikeTheUncachedOne() throws Exception {
    List<FineTuneJob.Result> runs = new ArrayList<>();
    for (boolean cache : List.of(true, false)) {
      runs.add(new FineTuneJob(spam(dir.resolve("cache-" + cache), "model.adapt.freeze-up-to=pool",
          "model.adapt.cache-frozen-features=" + cache, "model.adapt.domain-vocabulary.max-new-tokens=0",
          "data.max-train-examples=400", "evaluation.linear-baseline.enabled=false"), false, false).run());
    }
    assertTrue(runs.get(0).metrics().containsKey("feature-cache"), "the first run cached the trunk's output");
    Map<String, Object> cached = ((List<Map<String, Object>>) runs.get(0).metrics().get("history")).get(0);
    Map<String, Object> plain = ((List<Map<String, Object>>) runs.get(1).metrics().get("history")).get(0);
    assertEquals(((Number) plain.get("train-loss")).doubleValue(), ((Number) cached.get("train-loss")).doubleValue(), 1e-4);
    assertEquals(runs.get(1).finalAccuracy(), runs.get(0).finalAccuracy(), 1e-9);
  }

  /** Class folders and quoted CSV give the same examples as the JSON Lines they were written from. */
  @Test
  void classFoldersAndCsvReadTheSameMessages() throws Exception {
    List<Map<String, Object>> rows = new ArrayList<>();
    try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(new java.util.zip.GZIPInputStream(
        new java.io.FileInputStream("src-test-data/text/spamassassin/new-test.jsonl.gz")), "UTF-8"))) {
      for (String line = in.readLine(); line != null && rows.size() < 120; line = in.readLine()) {
        rows.add(Json.readMap(line));
      }
    }
    Path folders = dir.resolve("folders");
    StringBuilder csv = new StringBuilder("id,label,text\n");
    for (Map<String, Object> row : rows) {
      String id = ((String) row.get("id")).replace('/', '-');
      Path f = folders.resolve((String) row.get("label")).resolve(id + ".txt");
      Files.createDirectories(f.getParent());
      Files.writeString(f, (String) row.get("text"));
      csv.append(id).append(',').append(row.get("label")).append(",\"")
          .append(((String) row.get("text")).replace("\n", " ").replace("\"", "\"\"")).append("\"\n");
    }
    Path csvFile = dir.resolve("mail.csv");
    Files.writeString(csvFile, csv);
    for (Path data : List.of(folders, csvFile)) {
      Path run = dir.resolve("run-" + data.getFileName());
      FineTuneJob.Result r = new FineTuneJob(spam(run, "data.train-uri=\"" + data + "\"", "data.validation-uri=\"\"",
          "data.validation-fraction=0.5", "model.adapt.domain-vocabulary.max-new-tokens=0",
          "evaluation.linear-baseline.enabled=false"), false, false).run();
      assertEquals(rows.size(), ((Number) r.metrics().get("train-examples")).longValue()
          + ((Number) r.metrics().get("validation-examples")).longValue(), data.toString());
    }
  }
}
