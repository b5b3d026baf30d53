package io.sparktune.job;

import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.factory.Nd4j;

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
    p.put("dl4j-version", "1.0.0-M2");
    p.put("nd4j-backend", Nd4j.getBackend().getClass().getSimpleName());
    p.put("java-version", System.getProperty("java.version"));
    p.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    p.put("arch", System.getProperty("os.arch"));
    p.put("config", ConfigLoader.render(s.resolved()));
    return p;
  }

  public static String version() {
    String v = Provenance.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
