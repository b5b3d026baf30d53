package io.sparktune.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps secrets out of everything sparktune writes or shows: configuration files next to outputs, provenance,
 * checkpoint manifests (and so the registry's copies), sweep configurations, error messages.
 *
 * <p>Why it exists: users hand sparktune credentials the way Spark takes them, as configuration (an S3A secret
 * key in {@code sparktune.spark.conf}, a password in a JDBC URI), and every output records its configuration
 * for reproducibility. Spark redacts such keys in its UI and event logs by {@code spark.redaction.regex}; this
 * class applies the same rule, plus sparktune's own, once, so that no writer has to remember it.
 *
 * <p>A value is redacted when its key (the full HOCON path, e.g.
 * {@code sparktune.spark.conf."spark.hadoop.fs.s3a.secret.key"}) matches Spark's regex (the running Spark's
 * {@code spark.redaction.regex}, or the one in the configuration's {@code sparktune.spark.conf}, or Spark's
 * default) or {@link #OURS} and its value is text (a number or a boolean is no secret: {@code
 * model.adapt.domain-vocabulary.max-new-tokens} matches "token" and stays); and the password of any
 * {@code scheme://user:password@host} in any string value is redacted wherever the key.
 */
public final class Redaction {
  private Redaction() {}

  /** What a redacted value reads as (Spark's own marker). */
  public static final String REDACTED = "*********(redacted)";
  /** Spark's default {@code spark.redaction.regex}. */
  public static final String SPARK_DEFAULT = "(?i)secret|password|token|access[.]key";
  /** sparktune's own sensitive key names, on top of Spark's. */
  public static final Pattern OURS =
      Pattern.compile("(?i)secret|passw(or)?d|token|access[._-]?key|credential|private[._-]?key|signature");
  private static final Pattern USER_INFO = Pattern.compile("(?i)([a-z][a-z0-9+.-]*://[^/@\\s:]*:)([^/@\\s]+)(@)");

  private static volatile Pattern spark = Pattern.compile(SPARK_DEFAULT);

  /** Uses the running Spark's {@code spark.redaction.regex} from now on (null or blank: Spark's default). */
  public static void useSparkRegex(String regex) {
    spark = Pattern.compile(regex == null || regex.isBlank() ? SPARK_DEFAULT : regex);
  }

  /** Whether a value under this key (a HOCON path or a Spark/Hadoop property name) must not be shown. */
  public static boolean sensitive(String key) {
    return OURS.matcher(key).find() || spark.matcher(key).find();
  }

  /** {@code s} with the password of every {@code scheme://user:password@} in it redacted. */
  public static String userInfo(String s) {
    return s == null ? null : USER_INFO.matcher(s).replaceAll("$1" + Matcher.quoteReplacement(REDACTED) + "$3");
  }

  /** The configuration with every sensitive value replaced by {@link #REDACTED}. */
  public static Config redact(Config c) {
    Pattern fromConfig = configuredRegex(c);
    Config out = c;
    for (Map.Entry<String, ConfigValue> e : c.entrySet()) {
      String key = e.getKey();
      ConfigValue v = e.getValue();
      boolean secretish = v.valueType() != ConfigValueType.NUMBER && v.valueType() != ConfigValueType.BOOLEAN;
      if (secretish && (sensitive(key) || (fromConfig != null && fromConfig.matcher(key).find()))) {
        out = out.withValue(key, ConfigValueFactory.fromAnyRef(REDACTED, "redacted"));
      } else if (v.valueType() == ConfigValueType.STRING) {
        String s = (String) v.unwrapped();
        String r = userInfo(s);
        if (!r.equals(s)) {
          out = out.withValue(key, ConfigValueFactory.fromAnyRef(r, "redacted"));
        }
      } else if (v.valueType() == ConfigValueType.LIST) {
        List<Object> items = new ArrayList<>();
        boolean changed = false;
        for (Object item : (List<?>) v.unwrapped()) {
          Object r = item instanceof String str ? userInfo(str) : item;
          changed |= !r.equals(item);
          items.add(r);
        }
        if (changed) {
          out = out.withValue(key, ConfigValueFactory.fromIterable(items, "redacted"));
        }
      }
    }
    return out;
  }

  /** {@code spark.redaction.regex} as the configuration gives it to Spark, if it does. */
  private static Pattern configuredRegex(Config c) {
    String path = ConfigLoader.ROOT + ".spark.conf.\"spark.redaction.regex\"";
    return c.hasPath(path) ? Pattern.compile(c.getString(path)) : null;
  }
}
