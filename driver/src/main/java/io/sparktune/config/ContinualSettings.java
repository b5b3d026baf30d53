package io.sparktune.config;

import java.util.List;

/**
 * {@code sparktune.techniques.continual}: keeping an old task while fine-tuning on a new one.
 *
 * @param oldDataUri the old task's examples, read like the run's data (data.format); "" = no old task
 * @param oldLabelsUri IDX only: the old task's labels
 * @param oldClasses the old task's classes in the order of the model's outputs; empty = from the data
 * @param heldOutFraction the old examples held out to measure forgetting (never trained on)
 * @param ewcLambda strength of elastic weight consolidation; 0 = off
 * @param fisherExamples old examples over which EWC's Fisher information is averaged
 * @param replayExamples old examples mixed into every epoch's training data; 0 = no replay
 */
public record ContinualSettings(String oldDataUri, String oldLabelsUri, List<String> oldClasses, double heldOutFraction,
    double ewcLambda, int fisherExamples, int replayExamples) {

  static ContinualSettings fromConfig(ConfigProblems p, String format) {
    String b = ConfigLoader.ROOT + ".techniques.continual.";
    ContinualSettings c = new ContinualSettings(p.string(b + "old-data-uri"), p.string(b + "old-labels-uri"),
        p.stringList(b + "old-classes"), p.doubleIn(b + "held-out-fraction", 0, 0.9, true),
        p.doubleIn(b + "ewc.lambda", 0, 1e9, false), p.intIn(b + "ewc.fisher-examples", 1, 1_000_000),
        p.intIn(b + "replay.examples", 0, 10_000_000));
    if (c.oldDataUri().isBlank() && (c.ewcLambda() > 0 || c.replayExamples() > 0)) {
      p.add(b + "old-data-uri", "is empty, but EWC (ewc.lambda > 0) or replay (replay.examples > 0) needs the old "
          + "task's data: set it to the examples the pre-trained model was trained on (or a sample of them).");
    }
    if (!c.oldDataUri().isBlank() && format.equals("text")) {
      p.add(b + "old-data-uri", "is set, but continual learning (forgetting, EWC, replay) does not handle text data "
          + "(data.format = text) yet: its Fisher information ignores padding masks. Leave it empty.");
    }
    if (!c.oldDataUri().isBlank() && format.equals("idx") && c.oldLabelsUri().isBlank()) {
      p.add(b + "old-labels-uri", "is empty; with data.format = idx the old task needs its IDX labels file too.");
    }
    return c;
  }

  /** True when an old task is given, so forgetting is measured. */
  public boolean hasOldTask() {
    return !oldDataUri.isBlank();
  }
}
