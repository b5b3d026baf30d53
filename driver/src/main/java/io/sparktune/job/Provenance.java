package io.sparktune.job;

import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import io.sparktune.spark.ComputeBackend;
import io.sparktune.spark.ExecutorSetupPlugin;
import io.sparktune.spark.StackCheck;

/**
 * What produced a model or result (in the spirit of Tribuo's ModelProvenance): versions, git sha, base
 * model, data and its fingerprint, seed, times, JVM, OS and ND4J backend. Kebab-case keys; readers treat
 * every field as optional so files written by older versions still load.
 */
public final class Provenance {
  private Provenance() {}

  public static Map<String, Object> of(FineTuneSettings s, String dataFingerprint, Instant start, Instant end,
      String sparkMaster) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("sparktune-version", version());
    p.put("git-sha", System.getenv().getOrDefault("SPARKTUNE_GIT_SHA", "unknown"));
    p.put("base-model", s.model().uri());
    p.put("base-model-format", s.model().format().configName());
    p.put("data-train-uri", s.data().trainDataText());
    p.put("data-validation-uri", s.data().validationUri());
    p.put("data-fingerprint", dataFingerprint);
    p.put("seed", s.seed());
    p.put("start-time", start.toString());
    p.put("end-time", end == null ? null : end.toString());
    p.put("spark-master", sparkMaster);
    p.put("spark-version", org.apache.spark.package$.MODULE$.SPARK_VERSION());
    p.put("dl4j-version", dl4jVersion());
    p.put("nd4j-backend", ComputeBackend.name());
    p.put("driver-devices", ComputeBackend.devices());
    p.put("executors", ExecutorSetupPlugin.executorsReport());
    p.put("java-version", System.getProperty("java.version"));
    p.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    p.put("arch", System.getProperty("os.arch"));
    p.put("config", ConfigLoader.render(s.resolved()));
    return p;
  }

  /** The DL4J release this build was compiled against (1.0.0-M2; 1.0.0-M2.1 in the -Pcuda build). */
  public static String dl4jVersion() {
    return StackCheck.Expected.ofBuild().dl4j();
  }

  public static String version() {
    String v = Provenance.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
