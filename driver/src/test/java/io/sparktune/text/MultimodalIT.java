package io.sparktune.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.CliRun;
import io.sparktune.io.Json;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text + tabular: the two-input spam graph (token ids into the pre-trained LSTM branch, six message
 * features into a dense branch) fine-tuned through the same distributed path, each branch frozen on its
 * own with model.adapt.freeze-up-to.
 */
class MultimodalIT {
  static final String CONFIG = "conf/examples/spam-multimodal.conf";
  static final File PRETRAINED = new File("src-test-data/models/spam-multimodal/model.zip");

  @TempDir
  Path tmp;

  static CliRun finetune(Path out, String... sets) {
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("finetune", "--config", CONFIG,
        "--output", out.toString(), "--set", "evaluation.linear-baseline.enabled=false"));
    for (String s : sets) {
      args.addAll(java.util.List.of("--set", s));
    }
    return CliRun.of(args.toArray(new String[0]));
  }

  @SuppressWarnings("unchecked")
  static double accuracy(Path out, String model) throws Exception {
    Map<String, Object> m = Json.readMap(Files.readString(out.resolve("metrics.json")));
    return ((Number) ((Map<String, Object>) m.get(model)).get("accuracy")).doubleValue();
  }

  static boolean same(ComputationGraph a, ComputationGraph b, String layer) {
    return a.getLayer(layer).params().equalsWithEps(b.getLayer(layer).params(), 0);
  }

  @Test
  void bothBranchesLearnThroughTheDistributedPath() throws Exception {
    Path out = tmp.resolve("both");
    CliRun r = finetune(out, "training.epochs=2");
    assertEquals(0, r.code(), r.err());
    double before = accuracy(out, "baseline");
    double after = accuracy(out, "final");
    System.out.printf("multimodal: before %.4f, after 2 epochs %.4f%n", before, after);
    assertTrue(after > before + 0.02, "fine-tuning helped: " + before + " -> " + after);
    ComputationGraph start = ModelSerializer.restoreComputationGraph(PRETRAINED);
    ComputationGraph end = ModelSerializer.restoreComputationGraph(out.resolve("model.zip").toFile());
    assertEquals(2, end.getConfiguration().getNetworkInputs().size(), "still a two-input graph");
    for (String layer : new String[] {"lstm", "meta", "output"}) {
      assertFalse(same(start, end, layer), layer + " trained");
    }
  }

  @Test
  void eachBranchFreezesOnItsOwn() throws Exception {
    ComputationGraph start = ModelSerializer.restoreComputationGraph(PRETRAINED);
    Path text = tmp.resolve("text-frozen");
    assertEquals(0, finetune(text, "training.epochs=1", "model.adapt.freeze-up-to=pool").code());
    ComputationGraph t = ModelSerializer.restoreComputationGraph(text.resolve("model.zip").toFile());
    assertTrue(same(start, t, "embedding") && same(start, t, "lstm"), "the text branch kept its weights");
    assertFalse(same(start, t, "meta") || same(start, t, "output"), "the tabular branch and the head trained");

    Path tabular = tmp.resolve("tabular-frozen");
    assertEquals(0, finetune(tabular, "training.epochs=1", "model.adapt.freeze-up-to=meta").code());
    ComputationGraph m = ModelSerializer.restoreComputationGraph(tabular.resolve("model.zip").toFile());
    assertTrue(same(start, m, "meta"), "the tabular branch kept its weights");
    assertFalse(same(start, m, "lstm") || same(start, m, "output"), "the text branch and the head trained");
  }

  @Test
  void numericFieldsMustMatchTheSecondInput() {
    CliRun missing = finetune(tmp.resolve("no-fields"), "data.text.numeric-fields=[]");
    assertEquals(2, missing.code(), missing.err());
    assertTrue(missing.err().contains("second input of 6 numeric features") && missing.err().contains("names 0"),
        missing.err());
    CliRun textOnly = CliRun.of("finetune", "--config", "conf/examples/spam-text.conf", "--output",
        tmp.resolve("one-input").toString(), "--set", "data.text.numeric-fields=[length]");
    assertEquals(2, textOnly.code(), textOnly.err());
    assertTrue(textOnly.err().contains("has one input"), textOnly.err());
  }

  @Test
  void dl4jTrainingMastersAreRefusedForTwoInputs() {
    CliRun r = finetune(tmp.resolve("gs"), "training.strategy=gradient-sharing",
        "training.gradient-sharing.implementation=dl4j");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("two inputs") && r.err().contains("gradient-sharing"), r.err());
  }
}
