package io.sparktune.config;

import com.typesafe.config.Config;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code sparktune.spark}: where and how Spark runs when sparktune starts it itself.
 *
 * @param master master URL used when spark-submit did not set one
 * @param appName application name
 * @param workers data-parallel workers; 0 = Spark's default parallelism
 * @param conf extra Spark properties
 */
public record SparkSettings(String master, String appName, int workers, Map<String, String> conf) {
  static SparkSettings fromConfig(Config c, ConfigProblems p) {
    String base = ConfigLoader.ROOT + ".spark.";
    Map<String, String> extra = new LinkedHashMap<>();
    c.getConfig(base + "conf").entrySet().forEach(e -> extra.put(
        e.getKey().replace("\"", ""), String.valueOf(e.getValue().unwrapped())));
    return new SparkSettings(p.requiredString(base + "master", "a Spark master URL such as local[*]"),
        p.string(base + "app-name"), p.intIn(base + "workers", 0, 100_000), extra);
  }
}
