package io.sparktune.bench;

import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fine-tuning techniques experiment: the same fine-tune (normally the quickstart) once per technique
 * and seed, each in its own JVM, against plain full fine-tuning. Reports the final and best validation
 * accuracy per seed and their mean, training time, trainable parameters and peak memory. The
 * differences are small next to the sampling error of a 2,000-example validation set (about 1 pp for
 * one run), which is why every variant runs with several seeds (split, head init and shuffling differ).
 */
public final class TechniquesBenchmark {
  /** Variant name to its settings; the first is the reference. */
  static final Map<String, List<String>> VARIANTS = new LinkedHashMap<>();

  static {
    VARIANTS.put("full fine-tune", List.of());
    VARIANTS.put("cosine schedule", List.of("training.lr-schedule.type=cosine"));
    VARIANTS.put("discriminative rates (decay 2.6)", List.of("techniques.layer-learning-rates.decay=2.6"));
    VARIANTS.put("progressive unfreezing", List.of("techniques.progressive-unfreezing.enabled=true"));
    VARIANTS.put("ULMFiT (unfreezing + decay 2.6 + one-cycle)", List.of("techniques.progressive-unfreezing.enabled=true",
        "techniques.layer-learning-rates.decay=2.6", "training.lr-schedule.type=one-cycle"));
    VARIANTS.put("l2 1e-4", List.of("techniques.regularization.type=l2", "techniques.regularization.coefficient=1e-4"));
    VARIANTS.put("weight decay 0.01 (decoupled)", List.of("techniques.regularization.type=weight-decay",
        "techniques.regularization.coefficient=0.01"));
    VARIANTS.put("L2-SP (alpha 0.1, beta 0.01)", List.of("techniques.regularization.type=l2-sp",
        "techniques.regularization.coefficient=0.1", "techniques.regularization.new-layer-coefficient=0.01"));
    VARIANTS.put("L2-SP (alpha 0.001, beta 0)", List.of("techniques.regularization.type=l2-sp",
        "techniques.regularization.coefficient=0.001", "techniques.regularization.new-layer-coefficient=0"));
    VARIANTS.put("LoRA r=8, alpha 16", List.of("techniques.lora.enabled=true", "techniques.lora.rank=8",
        "techniques.lora.alpha=16"));
    VARIANTS.put("LoRA r=8, alpha 16, lr x5", List.of("techniques.lora.enabled=true", "techniques.lora.rank=8",
        "techniques.lora.alpha=16", "training.learning-rate=0.005"));
    VARIANTS.put("LoRA r=8, alpha 16, lr x10", List.of("techniques.lora.enabled=true", "techniques.lora.rank=8",
        "techniques.lora.alpha=16", "training.learning-rate=0.01"));
    VARIANTS.put("LoRA r=16, alpha 32, lr x10", List.of("techniques.lora.enabled=true", "techniques.lora.rank=16",
        "techniques.lora.alpha=32", "training.learning-rate=0.01"));
    VARIANTS.put("LoRA r=32, alpha 64, lr x5", List.of("techniques.lora.enabled=true", "techniques.lora.rank=32",
        "techniques.lora.alpha=64", "training.learning-rate=0.005"));
    VARIANTS.put("augmentation (shift 2, rotation 10, flip, cutout 8)", List.of("techniques.augmentation.enabled=true",
        "techniques.augmentation.max-shift=2", "techniques.augmentation.max-rotation-degrees=10",
        "techniques.augmentation.flip=true", "techniques.augmentation.cutout=8"));
    VARIANTS.put("tabular noise 0.1 std", List.of("techniques.augmentation.enabled=true",
        "techniques.augmentation.tabular-noise=0.1"));
    VARIANTS.put("mixup alpha 0.2", List.of("techniques.augmentation.enabled=true",
        "techniques.augmentation.mixup-alpha=0.2"));
    VARIANTS.put("adapters (bottleneck 64), lr x5", List.of("techniques.adapters.enabled=true",
        "techniques.adapters.bottleneck=64", "training.learning-rate=0.005"));
  }

  /**
   * Continual learning variants, for a config that names the old task (conf/examples/quickstart-continual.conf):
   * every variant states both EWC and replay so the config's own values never leak in.
   */
  static final Map<String, List<String>> CONTINUAL = new LinkedHashMap<>();

  static {
    CONTINUAL.put("plain fine-tune", continual(0, 0));
    CONTINUAL.put("EWC lambda 100", continual(100, 0));
    CONTINUAL.put("EWC lambda 1000", continual(1000, 0));
    CONTINUAL.put("EWC lambda 10000", continual(10000, 0));
    CONTINUAL.put("replay 500", continual(0, 500));
    CONTINUAL.put("replay 2000", continual(0, 2000));
    CONTINUAL.put("EWC lambda 1000 + replay 500", continual(1000, 500));
  }

  /** Imbalanced classes: plain training against the two corrections (on {@link ImbalancedData}'s cut). */
  static final Map<String, List<String>> IMBALANCED = new LinkedHashMap<>();

  static {
    IMBALANCED.put("plain fine-tune", List.of());
    IMBALANCED.put("class weights (balanced)", List.of("techniques.class-weights=balanced"));
    IMBALANCED.put("oversample", List.of("techniques.resampling=oversample"));
    IMBALANCED.put("undersample", List.of("techniques.resampling=undersample"));
  }

  /**
   * Text fine-tuning on conf/examples/spam-text.conf: the pre-trained vocabulary against a domain vocabulary
   * and prefix tuning. The reference also fits the bag-of-words logistic regression baseline.
   */
  static final Map<String, List<String>> TEXT = new LinkedHashMap<>();

  static {
    TEXT.put("full fine-tune, pre-trained vocabulary", List.of("model.adapt.domain-vocabulary.max-new-tokens=0",
        "evaluation.linear-baseline.enabled=true"));
    TEXT.put("full fine-tune + domain vocabulary (1000 tokens, sub-token init)", domain(1000, "sub-tokens"));
    TEXT.put("full fine-tune + domain vocabulary (1000 tokens, unk init)", domain(1000, "unk"));
    TEXT.put("head only (embedding and LSTM frozen)", List.of("model.adapt.domain-vocabulary.max-new-tokens=0",
        "model.adapt.freeze-up-to=pool"));
    TEXT.put("prefix tuning, 10 vectors (only the prefix trains), lr 0.003", prefix(10, false, 0.003));
    TEXT.put("prefix tuning, 10 vectors + new head, lr 0.003", prefix(10, true, 0.003));
    TEXT.put("prefix tuning, 20 vectors + new head, lr 0.01", prefix(20, true, 0.01));
  }

  private static List<String> domain(int tokens, String init) {
    return List.of("model.adapt.domain-vocabulary.max-new-tokens=" + tokens, "model.adapt.domain-vocabulary.init=" + init);
  }

  private static List<String> prefix(int length, boolean newHead, double rate) {
    return List.of("model.adapt.domain-vocabulary.max-new-tokens=0", "techniques.prefix-tuning.enabled=true",
        "techniques.prefix-tuning.length=" + length, "model.adapt.replace-output=" + newHead,
        "training.learning-rate=" + rate);
  }

  private static List<String> continual(double lambda, int replay) {
    return List.of("techniques.continual.ewc.lambda=" + lambda, "techniques.continual.replay.examples=" + replay);
  }

  /** Settings that keep each run to the fine-tune itself. */
  static final List<String> LEAN = List.of("evaluation.head-only-baseline=false", "evaluation.linear-baseline.enabled=false",
      "evaluation.worst-examples=0", "evaluation.feature-importance.enabled=false", "monitoring.dashboard.enabled=false");

  private final String experiment;
  private final Map<String, List<String>> variants;
  private final File config;
  private final List<String> sets;
  private final Path results;
  private final String name;
  private final List<Long> seeds;
  private final java.util.regex.Pattern only;

  /**
   * @param experiment "techniques" (every technique against full fine-tuning), "continual" (forgetting of
   *     the old task: plain fine-tuning against EWC and replay), "imbalanced" or "text" (domain vocabulary
   *     and prefix tuning on a text model)
   * @param only runs the variants whose name this regular expression finds (plus the reference, the first)
   */
  public TechniquesBenchmark(String experiment, File config, List<String> sets, Path results, String name,
      List<Long> seeds, String only) {
    this.experiment = experiment;
    this.variants = switch (experiment) {
      case "continual" -> CONTINUAL;
      case "imbalanced" -> IMBALANCED;
      case "text" -> TEXT;
      default -> VARIANTS;
    };
    this.config = config;
    this.sets = sets;
    this.results = results;
    this.name = name;
    this.seeds = seeds;
    this.only = java.util.regex.Pattern.compile(only);
  }

  public Map<String, Object> run() throws Exception {
    FineTuneSettings s = FineTuneSettings.fromConfig(ConfigLoader.load(config, sets));
    Path work = Files.createTempDirectory("sparktune-techniques-bench-");
    List<String> base = experiment.equals("imbalanced") ? ImbalancedData.write(s.data(), work) : List.of();
    List<Map<String, Object>> runs = new ArrayList<>();
    String reference = variants.keySet().iterator().next();
    for (Map.Entry<String, List<String>> v : variants.entrySet()) {
      if (!v.getKey().equals(reference) && !only.matcher(v.getKey()).find()) {
        continue;
      }
      List<Map<String, Object>> perSeed = new ArrayList<>();
      for (long seed : seeds) {
        List<String> all = new ArrayList<>(LEAN);
        all.addAll(base);
        all.addAll(sets);
        all.addAll(v.getValue());
        all.add("seed=" + seed);
        String dirName = v.getKey().replaceAll("[^A-Za-z0-9]+", "-") + "-seed-" + seed;
        perSeed.add(seedRun(seed, ChildRun.fineTune(dirName, config, all, work)));
      }
      runs.add(variant(v.getKey(), v.getValue(), perSeed));
    }
    Map<String, Object> report = BenchmarkRunner.report(name, "bin/sparktune bench --experiment " + experiment + " --config "
        + config.getPath() + " --name " + name + " --seeds " + String.join(",", seeds.stream().map(String::valueOf).toList())
        + (only.pattern().isEmpty() ? "" : " --only '" + only.pattern() + "'"), sets, s.model().uri());
    report.put("experiment", experiment);
    report.put("epochs", s.training().epochs());
    report.put("learning-rate", s.training().learningRate());
    report.put("strategy", s.training().strategy());
    report.put("runs", runs);
    BenchmarkRunner.writeResults(results, name, report, markdown(report));
    return report;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> seedRun(long seed, Map<String, Object> metrics) {
    List<Map<String, Object>> history = (List<Map<String, Object>>) metrics.get("history");
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("seed", seed);
    r.put("final-accuracy", ((Map<String, Object>) metrics.get("final")).get("accuracy"));
    Map<String, Object> fin = (Map<String, Object>) metrics.get("final");
    r.put("final-macro-f1", fin.get("macro-f1"));
    r.put("final-balanced-accuracy", fin.get("macro-recall"));
    if (fin.get("per-class") instanceof List<?> perClass && perClass.size() > ImbalancedData.MINORITY.get(4)) {
      r.put("minority-recall", ImbalancedData.MINORITY.stream()
          .mapToDouble(c -> num((Map<String, Object>) perClass.get(c), "recall")).average().orElse(Double.NaN));
    }
    r.put("baseline-accuracy", ((Map<String, Object>) metrics.get("baseline")).get("accuracy"));
    if (metrics.get("linear-baseline") instanceof Map<?, ?> linear) {
      r.put("linear-baseline-accuracy", linear.get("accuracy"));
    }
    if (metrics.get("text") instanceof Map<?, ?> text) {
      r.put("text", text);
    }
    r.put("epoch-accuracies", history.stream().map(h -> h.get("validation-accuracy")).toList());
    r.put("training-seconds", metrics.get("training-seconds"));
    r.put("trainable-parameters", metrics.get("trainable-parameters"));
    r.put("peak-rss-bytes", metrics.get("peak-rss-bytes"));
    r.put("validation-examples", metrics.get("validation-examples"));
    if (metrics.get("old-task") instanceof Map<?, ?> old) {
      r.put("old-task-accuracy-before", old.get("accuracy-before"));
      r.put("old-task-accuracy-after", old.get("accuracy-after"));
      r.put("forgetting", old.get("forgetting"));
    }
    return r;
  }

  private static Map<String, Object> variant(String name, List<String> settings, List<Map<String, Object>> perSeed) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("variant", name);
    r.put("settings", settings);
    r.put("seeds", perSeed);
    r.put("mean-final-accuracy", mean(perSeed, "final-accuracy"));
    r.put("mean-final-macro-f1", mean(perSeed, "final-macro-f1"));
    r.put("mean-final-balanced-accuracy", mean(perSeed, "final-balanced-accuracy"));
    r.put("mean-minority-recall", mean(perSeed, "minority-recall"));
    r.put("mean-training-seconds", mean(perSeed, "training-seconds"));
    r.put("mean-baseline-accuracy", mean(perSeed, "baseline-accuracy"));
    if (perSeed.get(0).containsKey("linear-baseline-accuracy")) {
      r.put("mean-linear-baseline-accuracy", mean(perSeed, "linear-baseline-accuracy"));
    }
    if (perSeed.get(0).containsKey("forgetting")) {
      r.put("mean-old-task-accuracy-after", mean(perSeed, "old-task-accuracy-after"));
      r.put("mean-forgetting", mean(perSeed, "forgetting"));
    }
    r.put("max-peak-rss-bytes", perSeed.stream().mapToDouble(x -> num(x, "peak-rss-bytes")).max().orElse(Double.NaN));
    return r;
  }

  private static double mean(List<Map<String, Object>> runs, String key) {
    return runs.stream().mapToDouble(x -> num(x, key)).average().orElse(Double.NaN);
  }

  private static double num(Map<String, Object> m, String key) {
    return m.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  @SuppressWarnings("unchecked")
  static String markdown(Map<String, Object> report) {
    StringBuilder sb = new StringBuilder("# ").append(report.get("benchmark")).append("\n\n");
    sb.append("Model `").append(report.get("model")).append("`, ").append(report.get("epochs")).append(" epochs, ")
        .append(report.get("strategy")).append(", learning rate ").append(report.get("learning-rate"))
        .append(". Command: `").append(report.get("command")).append("`\n\n");
    List<Map<String, Object>> runs = (List<Map<String, Object>>) report.get("runs");
    double reference = num(runs.get(0), "mean-final-accuracy");
    if (report.get("experiment").equals("text")) {
      sb.append(String.format("Before any fine-tuning the pre-trained model scores %.4f (mean over seeds); a bag-of-words "
          + "logistic regression (MLlib) trained on the same examples scores %.4f.%n%n",
          num(runs.get(0), "mean-baseline-accuracy"), num(runs.get(0), "mean-linear-baseline-accuracy")));
    }
    sb.append("| technique | before fine-tuning (mean) | final accuracy per seed | mean | vs the first row | training s (mean) "
        + "| trainable params | peak RSS GiB |\n");
    sb.append("|---|---|---|---|---|---|---|---|\n");
    for (Map<String, Object> r : runs) {
      List<Map<String, Object>> seeds = (List<Map<String, Object>>) r.get("seeds");
      double mean = num(r, "mean-final-accuracy");
      sb.append(String.format("| %s | %.4f | %s | %.4f | %+.2f pp | %.1f | %,.0f | %.2f |%n", r.get("variant"),
          num(r, "mean-baseline-accuracy"),
          String.join(", ", seeds.stream().map(x -> String.format("%.4f", num(x, "final-accuracy"))).toList()), mean,
          100 * (mean - reference), num(r, "mean-training-seconds"), num(seeds.get(0), "trainable-parameters"),
          num(r, "max-peak-rss-bytes") / (1L << 30)));
    }
    if (report.get("experiment").equals("imbalanced")) {
      sb.append("\nImbalanced training set: classes ").append(ImbalancedData.MINORITY).append(" keep ")
          .append(String.format("%.0f%%", 100 * ImbalancedData.FRACTION))
          .append(" of their examples; validation is the balanced original.\n\n");
      sb.append("| technique | accuracy | macro-F1 | balanced accuracy | minority-class recall |\n|---|---|---|---|---|\n");
      for (Map<String, Object> r : runs) {
        sb.append(String.format("| %s | %.4f | %.4f | %.4f | %.4f |%n", r.get("variant"), num(r, "mean-final-accuracy"),
            num(r, "mean-final-macro-f1"), num(r, "mean-final-balanced-accuracy"), num(r, "mean-minority-recall")));
      }
    }
    if (runs.get(0).containsKey("mean-forgetting")) {
      double plain = num(runs.get(0), "mean-forgetting");
      sb.append("\nThe old task (held-out examples, accuracy before fine-tuning ")
          .append(String.format("%.4f", num(((List<Map<String, Object>>) runs.get(0).get("seeds")).get(0),
              "old-task-accuracy-before")))
          .append("): forgetting = accuracy before - after; cut = how much less than plain fine-tuning forgets.\n\n");
      sb.append("| technique | old-task accuracy after (mean) | forgetting pp per seed | mean forgetting pp | forgetting cut |\n");
      sb.append("|---|---|---|---|---|\n");
      for (Map<String, Object> r : runs) {
        List<Map<String, Object>> seeds = (List<Map<String, Object>>) r.get("seeds");
        double f = num(r, "mean-forgetting");
        sb.append(String.format("| %s | %.4f | %s | %.2f | %.0f%% |%n", r.get("variant"),
            num(r, "mean-old-task-accuracy-after"),
            String.join(", ", seeds.stream().map(x -> String.format("%.2f", 100 * num(x, "forgetting"))).toList()),
            100 * f, 100 * (1 - f / plain)));
      }
    }
    sb.append("\nMachine: ").append(report.get("machine")).append('\n');
    return sb.toString();
  }
}
