package io.sparktune.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import io.sparktune.BadInputException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Collects every configuration problem so they are reported together, each naming the full key, the
 * bad value, what is allowed and where the value came from (file:line or --set).
 *
 * <p>The typed getters record a problem and return a harmless default instead of throwing, so one pass
 * over all sections finds every mistake.
 */
public final class ConfigProblems {
  private final List<String> problems = new ArrayList<>();
  private final Set<String> badPaths = new HashSet<>();
  private final Config config;

  public ConfigProblems(Config config) {
    this.config = config;
  }

  public static String origin(ConfigOrigin o) {
    if (o == null) {
      return "unknown origin";
    }
    if (o.filename() != null) {
      return o.filename() + (o.lineNumber() > 0 ? ":" + o.lineNumber() : "");
    }
    return o.description();
  }

  public void add(String path, String message) {
    if (!badPaths.add(path)) {
      return;
    }
    String where;
    String value;
    if (config.hasPathOrNull(path)) {
      ConfigValue v = config.getValue(path);
      where = origin(v.origin());
      value = Redaction.sensitive(path) ? Redaction.REDACTED
          : Redaction.userInfo(v.render(com.typesafe.config.ConfigRenderOptions.concise()));
      problems.add(path + " = " + value + " (" + where + "): " + message);
    } else {
      problems.add(path + ": " + message);
    }
  }

  public void addRaw(String message) {
    problems.add(message);
  }

  public void markBad(String path) {
    badPaths.add(path);
  }

  public boolean isEmpty() {
    return problems.isEmpty();
  }

  public List<String> all() {
    return List.copyOf(problems);
  }

  /** Throws one exception listing every problem, if there are any. */
  public void throwIfAny() {
    if (!problems.isEmpty()) {
      StringBuilder sb = new StringBuilder("The configuration has ")
          .append(problems.size()).append(problems.size() == 1 ? " problem:" : " problems:");
      for (String p : problems) {
        sb.append("\n  - ").append(p);
      }
      throw new BadInputException(sb.toString());
    }
  }

  private boolean usable(String path) {
    return !badPaths.contains(path);
  }

  public String string(String path) {
    if (!usable(path)) {
      return "";
    }
    try {
      return config.getString(path);
    } catch (ConfigException e) {
      add(path, "must be a string.");
      return "";
    }
  }

  public String requiredString(String path, String what) {
    String s = string(path);
    if (usable(path) && s.isBlank()) {
      add(path, "is required: " + what + ".");
    }
    return s;
  }

  public boolean bool(String path) {
    if (!usable(path)) {
      return false;
    }
    try {
      return config.getBoolean(path);
    } catch (ConfigException e) {
      add(path, "must be true or false.");
      return false;
    }
  }

  public long longIn(String path, long min, long max) {
    if (!usable(path)) {
      return min;
    }
    try {
      long v = config.getLong(path);
      if (v < min || v > max) {
        add(path, "must be between " + min + " and " + max + ".");
        return min;
      }
      return v;
    } catch (ConfigException e) {
      add(path, "must be a whole number between " + min + " and " + max + ".");
      return min;
    }
  }

  public int intIn(String path, int min, int max) {
    return (int) longIn(path, min, max);
  }

  /** A number in [min, max] (or (min, max] when {@code minExclusive}). */
  public double doubleIn(String path, double min, double max, boolean minExclusive) {
    if (!usable(path)) {
      return max;
    }
    String range = (minExclusive ? "(" : "[") + min + ", " + max + "]";
    try {
      double v = config.getDouble(path);
      if (Double.isNaN(v) || v > max || v < min || (minExclusive && v == min)) {
        add(path, "must be a number in " + range + ".");
        return max;
      }
      return v;
    } catch (ConfigException e) {
      add(path, "must be a number in " + range + ".");
      return max;
    }
  }

  public Duration durationAtLeast(String path, Duration min) {
    if (!usable(path)) {
      return min;
    }
    try {
      Duration d = config.getDuration(path);
      if (d.compareTo(min) < 0) {
        add(path, "must be at least " + min.getSeconds() + "s.");
        return min;
      }
      return d;
    } catch (ConfigException e) {
      add(path, "must be a duration such as 30s, 5m or 1h.");
      return min;
    }
  }

  public List<String> stringList(String path) {
    if (!usable(path)) {
      return List.of();
    }
    try {
      return config.getStringList(path);
    } catch (ConfigException e) {
      add(path, "must be a list of strings.");
      return List.of();
    }
  }

  /** One of a fixed set of words; returns the word, or the first allowed one after recording a problem. */
  public String oneOf(String path, List<String> allowed) {
    String v = string(path);
    if (usable(path) && !allowed.contains(v)) {
      add(path, "must be one of " + String.join(", ", allowed) + ".");
      return allowed.get(0);
    }
    return v.isEmpty() ? allowed.get(0) : v;
  }
}
