package io.sparktune.retrain;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import io.sparktune.BadInputException;
import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.config.RetrainSettings;
import io.sparktune.data.DataPipeline;
import io.sparktune.data.DriftReport;
import io.sparktune.eval.EvaluationData;
import io.sparktune.eval.EvaluationModel;
import io.sparktune.io.HadoopFiles;
import io.sparktune.io.Sha256;
import io.sparktune.job.DirectoryLock;
import io.sparktune.job.CompareJob;
import io.sparktune.job.FineTuneJob;
import io.sparktune.job.RunDirectory;
import io.sparktune.registry.ModelRegistry;
import io.sparktune.spark.SparkContexts;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scheduled retraining: under the model's retrain lock, find the data units in retrain.incoming-uri the
 * production version has not seen, fine-tune the production model on them (the single fine-tune path),
 * register the result as a new version (alias candidate), compare it with production on the fixed
 * held-out data, and move production to it only if no gated metric degrades. Every outcome, including
 * "nothing new", is written as a decision with its reason: in the run directory (retrain.json) and in the
 * registry's retrain journal.
 *
 * <p>A retrain's run directory is named after the production version and the exact data and settings it
 * trains on, so a retrain killed at any point, started again, resumes from its checkpoints (or skips the
 * finished fine-tune, or the registration) and never decides twice on the same data.
 */
public final class RetrainJob {
  private static final Logger log = LoggerFactory.getLogger(RetrainJob.class);
  static final String DECISION_FILE = "retrain.json";

  private final Config config;
  private final RetrainSettings r;
  private final FineTuneSettings template;

  /** @param resolved the retrain configuration (model.uri and data.train-uri unset: retrain sets them) */
  public RetrainJob(Config resolved) {
    this.r = RetrainSettings.fromConfig(resolved);
    this.config = resolved;
    // validates every other section now, before the lock is taken; the real values come from the registry
    this.template = settings("retrain-placeholder.zip", List.of(r.incomingUri()), List.of(),
        resolved.getString(ConfigLoader.ROOT + ".output.uri"));
  }

  public Map<String, Object> run() {
    return SparkContexts.with(template.spark(), this::run);
  }

  public Map<String, Object> run(JavaSparkContext sc) {
    HadoopFiles.useConfiguration(sc.hadoopConfiguration());
    ModelRegistry registry = new ModelRegistry(r.registryUri());
    try (DirectoryLock lock = DirectoryLock.acquire(registry.retrainUri(r.modelName()) + "/lock", "retrain",
        "retrain of " + r.modelName(), r.lockHeartbeat(), r.lockStaleAfter(), "retrain.lock.stale-after")) {
      return retrain(sc, registry, lock);
    }
  }

  private Map<String, Object> retrain(JavaSparkContext sc, ModelRegistry registry, DirectoryLock lock) {
    Instant start = Instant.now();
    String name = r.modelName();
    ModelRegistry.Version production = registry.alias(name, r.productionAlias()).orElseThrow(() ->
        new BadInputException("Model '" + name + "' in " + r.registryUri() + " has no complete version under alias '"
            + r.productionAlias() + "'. Register a first version and promote it: sparktune registry register "
            + "--registry " + r.registryUri() + " --name " + name + " --run RUN_DIR --alias " + r.productionAlias()));
    List<Map<String, Object>> seen = snapshotOf(production);
    List<IncomingData.Unit> units = IncomingData.list(r.incomingUri(), r.readyMarker());
    List<IncomingData.Unit> fresh = IncomingData.unseen(units, seen);
    Decision.Builder decision = new Decision.Builder(name, production.number(), start, r);
    decision.newData(fresh);
    log.info("Retrain of '{}': production is version {}; {} unit(s) in {}, {} not seen by it {}.", name,
        production.number(), units.size(), r.incomingUri(), fresh.size(), fresh.stream().map(IncomingData.Unit::name)
            .toList());
    if (fresh.isEmpty()) {
      return finish(registry, null, decision.decided("no-new-data", "Every unit in " + r.incomingUri() + " ("
          + units.size() + ") is in the data snapshot of production version " + production.number() + "."));
    }
    List<IncomingData.Unit> window = r.dataWindow().equals("all") ? units : fresh;
    RunDirectory runDir = new RunDirectory(runUri(production, window));
    decision.runUri(runDir.uri());
    org.apache.hadoop.fs.Path existing = runDir.file(DECISION_FILE);
    if (HadoopFiles.exists(existing)) {
      Map<String, Object> before = io.sparktune.io.Json.readMap(HadoopFiles.readString(existing, "retrain decision"));
      log.info("This production version and data were already decided on ({}): {}", existing, before.get("reason"));
      System.out.println("RETRAIN: already decided for this data: " + before.get("decision") + ": "
          + before.get("reason"));
      return before;
    }

    EvaluationModel prod = EvaluationModel.load(production.model().toString(), template.model(), "", template.seed());
    FineTuneSettings fineTune = settings(production.model().toString(), uris(window), prod.classes(), runDir.uri());
    FineTuneSettings freshOnly = settings(production.model().toString(), uris(fresh), prod.classes(), runDir.uri());
    EvaluationData newData = EvaluationData.read(sc, freshOnly.data(), prod.classes(), prod.vocabulary());
    long newExamples;
    DriftReport drift;
    try {
      newExamples = newData.records().count();
      drift = drift(sc, production, prod, newData, freshOnly);
    } finally {
      newData.release();
    }
    decision.newExamples(newExamples);
    decision.drift(drift);
    if (newExamples < r.minNewExamples()) {
      return finish(registry, null, decision.decided("too-little-data", "The new data holds " + newExamples
          + " example(s), fewer than retrain.min-new-examples = " + r.minNewExamples() + "; it waits for more."));
    }
    List<String> exceeded = drift == null ? List.of() : r.drift().exceeded(drift);
    if (!exceeded.isEmpty()) {
      return finish(registry, null, decision.decided("refused-drift", "The new data drifted too far from what "
          + "production version " + production.number() + " was trained on: " + String.join("; ", exceeded)
          + ". Nothing was trained; look at the drift in this record, then raise the limit or retrain by hand."));
    }

    if (runDir.isComplete()) {
      log.info("The fine-tune in {} finished in an earlier attempt; going on to registration.", runDir.uri());
    } else {
      boolean resume = HadoopFiles.exists(HadoopFiles.path(runDir.uri()));
      new FineTuneJob(fineTune, resume, false).withNormalizer(prod.normalizer()).run(sc, runDir);
    }
    ModelRegistry.Version candidate = registry.registeredFrom(name, runDir.uri())
        .orElseGet(() -> registry.register(name, runDir.uri(), lineage(production, seen, fresh, window)));
    decision.candidate(candidate.number());
    if (registry.alias(name, r.candidateAlias()).map(v -> v.number() != candidate.number()).orElse(true)) {
      registry.move(name, r.candidateAlias(), candidate.number(), "retrain: fine-tuned from version "
          + production.number() + " on " + fresh.size() + " new unit(s)");
    }

    FineTuneSettings holdout = fineTune.with("data.train-uri", r.holdoutUri(), "retrain.holdout-uri")
        .withOutput(runDir.uri() + "/comparison");
    Map<String, Object> comparison = new CompareJob(holdout, production.dir().toString(), candidate.dir().toString(),
        true).run(sc);
    decision.comparison(comparison);
    @SuppressWarnings("unchecked")
    Map<String, Object> degradation = (Map<String, Object>) comparison.get("degradation-of-b");
    String explanation = (String) degradation.get("explanation");
    if (Boolean.TRUE.equals(degradation.get("degraded"))) {
      return finish(registry, runDir, decision.decided("kept-production", "Version " + candidate.number()
          + " degrades against production version " + production.number() + " on " + r.holdoutUri() + ": "
          + explanation + " Production stays at version " + production.number() + "."));
    }
    if (!lock.held()) {
      return finish(registry, runDir, decision.decided("lock-lost", "Version " + candidate.number() + " passed the "
          + "gate, but this retrain lost its lock (another took it over), so it did not move '" + r.productionAlias()
          + "'. Promote it by hand if wanted: sparktune registry promote."));
    }
    String change = accuracyChange(comparison);
    registry.move(name, r.productionAlias(), candidate.number(), "retrain: version " + candidate.number()
        + " does not degrade against version " + production.number() + " on " + r.holdoutUri() + " (" + change + ")");
    return finish(registry, runDir, decision.decided("promoted", "Version " + candidate.number()
        + " is production now (" + change + " on " + r.holdoutUri() + "): " + explanation));
  }

  @SuppressWarnings("unchecked")
  private static String accuracyChange(Map<String, Object> comparison) {
    Map<String, Object> acc = (Map<String, Object>) ((Map<String, Object>) comparison.get("differences"))
        .get("accuracy");
    return String.format("accuracy %.4f -> %.4f", ((Number) acc.get("a")).doubleValue(),
        ((Number) acc.get("b")).doubleValue());
  }

  /** Writes the decision (run directory, registry journal), prints it and returns it. */
  private Map<String, Object> finish(ModelRegistry registry, RunDirectory runDir, Map<String, Object> decision) {
    if (runDir != null) {
      io.sparktune.io.Json.writeFile(runDir.file(DECISION_FILE), decision);
    }
    int n = registry.recordRetrain(r.modelName(), decision);
    log.info("Retrain decision {} recorded as {}/runs/{}.", decision.get("decision"),
        registry.retrainUri(r.modelName()), String.format("%06d.json", n));
    System.out.println("RETRAIN: " + decision.get("decision") + ": " + decision.get("reason"));
    return decision;
  }

  /** The fine-tune settings of this retrain: the user's, with the model, data, classes and output set. */
  private FineTuneSettings settings(String modelUri, List<String> trainUris, List<String> classes, String output) {
    String origin = "sparktune retrain";
    Config c = config
        .withValue(ConfigLoader.ROOT + ".model.uri", ConfigValueFactory.fromAnyRef(modelUri, origin))
        .withValue(ConfigLoader.ROOT + ".model.weights-uri", ConfigValueFactory.fromAnyRef("", origin))
        .withValue(ConfigLoader.ROOT + ".model.adapt.replace-output", ConfigValueFactory.fromAnyRef(false, origin))
        .withValue(ConfigLoader.ROOT + ".data.train-uri", ConfigValueFactory.fromIterable(trainUris, origin))
        .withValue(ConfigLoader.ROOT + ".output.uri", ConfigValueFactory.fromAnyRef(output, origin));
    if (!classes.isEmpty()) {
      c = c.withValue(ConfigLoader.ROOT + ".data.classes", ConfigValueFactory.fromIterable(classes, origin));
    }
    return FineTuneSettings.fromConfig(c);
  }

  /**
   * The new data's drift from the data production was trained on, by production's own eyes (its
   * normaliser and embedding); null when production has no data profile (made before profiles existed, or
   * a regression model).
   */
  private static DriftReport drift(JavaSparkContext sc, ModelRegistry.Version production, EvaluationModel prod,
      EvaluationData newData, FineTuneSettings s) {
    org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(production.dir(), FineTuneJob.DATA_PROFILE);
    if (!HadoopFiles.exists(file)) {
      log.info("Production version {} has no {}: drift is not measured.", production.number(),
          FineTuneJob.DATA_PROFILE);
      return null;
    }
    return io.sparktune.job.DriftJob.measure(sc, file, prod, newData, s);
  }

  /**
   * OUTPUT/vNNNNNN-KEY: the production version and a hash of the units trained on and the settings that
   * decide the result, so the same retrain started again finds its own directory.
   */
  private String runUri(ModelRegistry.Version production, List<IncomingData.Unit> window) {
    // what decides the result: not the lock's timing, the monitoring or the cluster it runs on
    Config decisive = config.withoutPath(ConfigLoader.ROOT + ".retrain.lock")
        .withoutPath(ConfigLoader.ROOT + ".monitoring").withoutPath(ConfigLoader.ROOT + ".spark");
    StringBuilder key = new StringBuilder(ConfigLoader.render(decisive));
    window.forEach(u -> key.append('\n').append(u.uri()).append('|').append(u.bytes()).append('|')
        .append(u.modified()));
    String hash = Sha256.hex(key.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 12);
    return template.run().outputUri().replaceAll("/+$", "") + String.format("/v%06d-%s", production.number(), hash);
  }

  private Map<String, Object> lineage(ModelRegistry.Version production, List<Map<String, Object>> seen,
      List<IncomingData.Unit> fresh, List<IncomingData.Unit> window) {
    List<Map<String, Object>> snapshot = new ArrayList<>();
    for (Map<String, Object> s : seen) {
      if (fresh.stream().noneMatch(u -> u.name().equals(s.get("name")))) {
        snapshot.add(s);
      }
    }
    fresh.forEach(u -> snapshot.add(u.toMap()));
    Map<String, Object> retrain = new LinkedHashMap<>();
    retrain.put("parent-version", production.number());
    retrain.put("incoming-uri", r.incomingUri());
    retrain.put("data-window", r.dataWindow());
    retrain.put("trained-on", window.stream().map(IncomingData.Unit::name).toList());
    retrain.put("new-data", fresh.stream().map(IncomingData.Unit::toMap).toList());
    retrain.put("data-snapshot", snapshot);
    retrain.put("holdout-uri", r.holdoutUri());
    return Map.of("retrain", retrain);
  }

  /** The units a version has seen: its retrain lineage's snapshot (none for a version made by hand). */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> snapshotOf(ModelRegistry.Version v) {
    if (v.info().get("retrain") instanceof Map<?, ?> retrain
        && retrain.get("data-snapshot") instanceof List<?> snapshot) {
      return (List<Map<String, Object>>) snapshot;
    }
    return List.of();
  }

  private static List<String> uris(List<IncomingData.Unit> units) {
    return units.stream().map(IncomingData.Unit::uri).toList();
  }
}
