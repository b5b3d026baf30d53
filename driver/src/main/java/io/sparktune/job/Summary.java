package io.sparktune.job;

import io.sparktune.config.FineTuneSettings;
import java.util.List;
import java.util.Map;

/** The table printed at the end of a fine-tune: baseline against fine-tuned model, and the run's numbers. */
final class Summary {
  private Summary() {}

  @SuppressWarnings("unchecked")
  static void print(Map<String, Object> metrics, FineTuneSettings s, String output) {
    StringBuilder sb = new StringBuilder();
    sb.append("\n==== sparktune fine-tune summary ====\n");
    boolean regression = ((Map<String, Object>) metrics.get("final")).containsKey("r2");
    if (regression) {
      sb.append(String.format("%-34s %9s %9s %9s %9s%n", "model (validation set)", "R2", "RMSE", "MAE", "MSE"));
    } else {
      sb.append(String.format("%-34s %9s %9s %9s %9s %9s%n", "model (validation set)", "accuracy", "macro-F1", "top-k",
          "ROC-AUC", "log-loss"));
    }
    for (String key : List.of("linear-baseline", "baseline", "head-only", "final")) {
      Map<String, Object> m = (Map<String, Object>) metrics.get(key);
      if (m == null) {
        continue;
      }
      Object topK = m.entrySet().stream().filter(e -> e.getKey().startsWith("top-")).map(Map.Entry::getValue)
          .findFirst().orElse(null);
      String label = switch (key) {
        case "baseline" -> metrics.get("model-untrained") == Boolean.TRUE ? "baseline (new network, untrained)"
            : "baseline (adapted, not fine-tuned)";
        case "head-only" -> "head-only (trunk frozen)";
        case "linear-baseline" -> "logistic regression (MLlib)";
        default -> "fine-tuned";
      };
      if (regression) {
        sb.append(String.format("%-34s %9.4f %9.4g %9.4g %9.4g%n", label, num(m.get("r2")), num(m.get("rmse")),
            num(m.get("mae")), num(m.get("mse"))));
        continue;
      }
      sb.append(String.format("%-34s %9.4f %9.4f %9s %9.4f %9.4f%n", label, num(m.get("accuracy")),
          num(m.get("macro-f1")), topK == null ? "-" : String.format("%.4f", num(topK)), num(m.get("roc-auc-macro")),
          num(m.get("log-loss"))));
    }
    if (metrics.get("final") instanceof Map<?, ?> fin && fin.get("classes-never-predicted") instanceof Number never
        && never.intValue() > 0) {
      sb.append(String.format("the fine-tuned model never predicts %d of %s classes: each counts with F1 0 in macro-F1%n",
          never.intValue(), fin.get("macro-classes")));
    }
    List<Map<String, Object>> history = (List<Map<String, Object>>) metrics.get("history");
    sb.append(String.format("epochs %d (best %s), strategy %s, %s train / %s validation examples%n",
        history.size(), metrics.get("best-epoch"), s.training().strategy(), metrics.get("train-examples"),
        metrics.get("validation-examples")));
    if (metrics.get("saved-model") instanceof Map<?, ?> saved) {
      sb.append(String.format("saved model: epoch %s (%s)%n", saved.get("epoch"),
          Boolean.TRUE.equals(saved.get("best-validated")) ? "the best validated" : "the last trained, not the best"));
    }
    if (metrics.get("techniques") instanceof List<?> t && !t.isEmpty()) {
      sb.append(String.format("techniques %s, %,d of %,d parameters trained%n", String.join(", ", (List<String>) t),
          ((Number) metrics.get("trainable-parameters")).longValue(), ((Number) metrics.get("parameters")).longValue()));
    }
    if (metrics.get("old-task") instanceof Map<?, ?> old) {
      sb.append(String.format("old task: accuracy %.4f before, %.4f after fine-tuning (forgetting %.2f pp)%n",
          num(old.get("accuracy-before")), num(old.get("accuracy-after")), 100 * num(old.get("forgetting"))));
    }
    Object eps = metrics.get("examples-per-second");
    sb.append(String.format("training time %.1f s, %s examples/s%n", num(metrics.get("training-seconds")),
        eps == null ? "-" : String.format("%,.0f", num(eps))));
    if (metrics.get("compute") instanceof Map<?, ?> c) {
      Object gflops = metrics.get("achieved-gflops");
      sb.append(String.format("computed on %s (%s%s), layer helpers: %s%s%n", c.get("native-build"), c.get("blas"),
          Boolean.TRUE.equals(c.get("onednn")) ? ", oneDNN" : "", helperList(c.get("layer-helpers")),
          gflops == null ? "" : String.format(", %.1f GFLOP/s achieved", num(gflops))));
    }
    sb.append("output: ").append(output).append('\n');
    System.out.print(sb);
    System.out.flush();
  }

  private static String helperList(Object helpers) {
    return helpers instanceof Map<?, ?> h && !h.isEmpty() ? String.join(", ", h.keySet().stream().map(String::valueOf).toList())
        : "none";
  }

  private static double num(Object o) {
    return o == null ? Double.NaN : ((Number) o).doubleValue();
  }
}
