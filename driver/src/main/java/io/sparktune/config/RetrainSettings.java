package io.sparktune.config;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;

/**
 * {@code sparktune.retrain}: scheduled retraining of a registered model on the data that arrived since.
 *
 * @param registryUri the model registry
 * @param modelName the registered model
 * @param productionAlias the alias naming production, moved on promotion
 * @param candidateAlias the alias moved to every version a retrain registers
 * @param incomingUri where new data arrives, one unit per visible entry
 * @param readyMarker file a partition directory must hold to count ("" = none)
 * @param dataWindow new (units production has not seen) or all
 * @param holdoutUri held-out data both models are evaluated on
 * @param minNewExamples fewest new examples worth a retrain
 * @param lockHeartbeat how often the lock holder proves it is alive
 * @param lockStaleAfter heartbeat age after which a lock is taken over
 * @param drift limits on the new data's drift from production's training data
 */
public record RetrainSettings(String registryUri, String modelName, String productionAlias, String candidateAlias,
    String incomingUri, String readyMarker, String dataWindow, String holdoutUri, long minNewExamples,
    Duration lockHeartbeat, Duration lockStaleAfter, DriftLimits drift) {

  /** Largest tolerated drift of each kind; 0 = no limit (measured and recorded only). */
  public record DriftLimits(double maxFeaturePsi, double maxClassPsi, double maxEmbeddingShift,
      double maxUnknownTokenIncrease) {
    /** The limits {@code d} exceeds, as sentences; empty when none. */
    public java.util.List<String> exceeded(io.sparktune.data.DriftReport d) {
      java.util.List<String> out = new java.util.ArrayList<>();
      check(out, "the largest per-feature PSI", d.maxFeaturePsi(), maxFeaturePsi, "retrain.drift.max-feature-psi");
      check(out, "the class prior's PSI", d.classPsi(), maxClassPsi, "retrain.drift.max-class-psi");
      check(out, "the embedding shift", d.embeddingShift(), maxEmbeddingShift, "retrain.drift.max-embedding-shift");
      check(out, "the rise of the unknown-token share", d.unknownTokenIncrease(), maxUnknownTokenIncrease,
          "retrain.drift.max-unknown-token-increase");
      return out;
    }

    private static void check(java.util.List<String> out, String what, double value, double limit, String key) {
      if (limit > 0 && !Double.isNaN(value) && value > limit) {
        out.add(String.format("%s is %.4f, above %s = %s", what, value, key, limit));
      }
    }
  }

  public static final List<String> WINDOWS = List.of("new", "all");
  /** Keys retrain sets itself; a value in the user's config would be silently replaced, so it is refused. */
  static final List<String> SET_BY_RETRAIN = List.of("model.uri", "model.weights-uri", "data.train-uri",
      "data.train-labels-uri");

  /** Reads and checks the retrain section and refuses values for the keys retrain sets itself. */
  public static RetrainSettings fromConfig(Config resolved) {
    ConfigProblems p = new ConfigProblems(resolved);
    String b = ConfigLoader.ROOT + ".retrain.";
    for (String key : SET_BY_RETRAIN) {
      String full = ConfigLoader.ROOT + "." + key;
      if (!resolved.getValue(full).unwrapped().equals("")) {
        p.add(full, "is set by sparktune retrain (the production version's model and the new data partitions); "
            + "remove it from the retrain configuration.");
      }
    }
    if (resolved.getString(ConfigLoader.ROOT + ".data.format").equals("idx")) {
      p.add(ConfigLoader.ROOT + ".data.format", "is idx, which pairs one images file with one labels file; "
          + "retrain reads partitions of csv, text or image-folder data.");
    }
    String newTokens = ConfigLoader.ROOT + ".model.adapt.domain-vocabulary.max-new-tokens";
    if (resolved.getInt(newTokens) > 0) {
      p.add(newTokens, "is " + resolved.getInt(newTokens) + ", but retrain compares the new version with production "
          + "on the same token ids, and a grown vocabulary would give the same text other ids; set it to 0 (extend "
          + "the vocabulary in a fine-tune, register that, then retrain).");
    }
    Duration heartbeat = p.durationAtLeast(b + "lock.heartbeat", Duration.ofSeconds(1));
    Duration stale = p.durationAtLeast(b + "lock.stale-after", Duration.ofSeconds(1));
    if (stale.compareTo(heartbeat.multipliedBy(3)) < 0) {
      p.add(b + "lock.stale-after", "is " + stale + ", less than three heartbeats (" + heartbeat.multipliedBy(3)
          + "): a live retrain would be taken for dead.");
    }
    String alias = p.string(b + "production-alias");
    String candidate = p.string(b + "candidate-alias");
    if (alias.equals(candidate)) {
      p.add(b + "candidate-alias", "equals production-alias ('" + alias + "'): every candidate would be production.");
    }
    RetrainSettings s = new RetrainSettings(p.requiredString(b + "registry-uri", "the model registry's URI"),
        p.requiredString(b + "model-name", "the registered model's name"), alias, candidate,
        p.requiredString(b + "incoming-uri", "the directory where new data arrives"), p.string(b + "ready-marker"),
        p.oneOf(b + "data-window", WINDOWS), p.requiredString(b + "holdout-uri", "the held-out evaluation data"),
        p.longIn(b + "min-new-examples", 1, Long.MAX_VALUE), heartbeat, stale, new DriftLimits(
            p.doubleIn(b + "drift.max-feature-psi", 0, 100, false), p.doubleIn(b + "drift.max-class-psi", 0, 100, false),
            p.doubleIn(b + "drift.max-embedding-shift", 0, 1000, false),
            p.doubleIn(b + "drift.max-unknown-token-increase", 0, 1, false)));
    p.throwIfAny();
    return s;
  }
}
