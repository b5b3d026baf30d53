package io.sparktune.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import io.sparktune.BadInputException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the effective configuration: reference.conf, then the user's file, then {@code --set key=value}
 * overrides. {@link #validateStructure} checks it against reference.conf: wrong types and unknown keys
 * (with the nearest valid key suggested), reported together with the typed settings' range problems.
 */
public final class ConfigLoader {
  public static final String ROOT = "sparktune";
  /** Keys under these prefixes are free-form maps (e.g. extra Spark properties). */
  private static final List<String> OPEN_MAPS = List.of(ROOT + ".spark.conf", TechniqueSettings.MULTIPLIERS,
      SweepSettings.SPACE);

  private ConfigLoader() {}

  /**
   * @param file the user's HOCON file, or null for reference values only
   * @param overrides {@code key=value} strings; keys may omit the leading {@code sparktune.}
   */
  public static Config load(File file, List<String> overrides) {
    Config reference = ConfigFactory.defaultReference().getConfig(ROOT).atKey(ROOT);
    Config user = ConfigFactory.empty();
    if (file != null) {
      if (!file.isFile()) {
        throw new BadInputException("The config file '" + file + "' does not exist.");
      }
      requireIncludedFiles(file, new HashSet<>());
      try {
        user = ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false));
      } catch (ConfigException e) {
        throw new BadInputException("The config file '" + file + "' is not valid HOCON: " + e.getMessage(), e);
      }
    }
    Config sets = ConfigFactory.empty();
    for (String o : overrides) {
      sets = parseOverride(o).withFallback(sets);
    }
    Config merged = sets.withFallback(user);
    Config resolved;
    try {
      resolved = merged.withFallback(reference).resolve();
    } catch (ConfigException e) {
      throw new BadInputException("The configuration cannot be resolved: " + e.getMessage(), e);
    }
    return resolved;
  }

  private static final Pattern INCLUDE = Pattern.compile(
      "^\\s*include\\s+(?:file\\(\\s*)?\"([^\"]+)\"");

  /**
   * HOCON ignores an include whose file is missing (unless written {@code include required(...)}), so a typo
   * in an include silently drops the settings it held. sparktune refuses it, naming the file and line; a name
   * that is a class-path resource (HOCON's heuristic include looks there too) is left alone.
   */
  private static void requireIncludedFiles(File file, Set<File> seen) {
    if (!seen.add(file.getAbsoluteFile())) {
      return;
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file.toPath());
    } catch (IOException | UncheckedIOException e) {
      return; // parsing reports an unreadable file
    }
    File dir = file.getAbsoluteFile().getParentFile();
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = INCLUDE.matcher(lines.get(i));
      if (!m.find()) {
        continue;
      }
      String name = m.group(1);
      File found = null;
      for (String candidate : name.matches(".*\\.(conf|json|properties)$") ? List.of(name)
          : List.of(name, name + ".conf", name + ".json", name + ".properties")) {
        File f = new File(candidate);
        File relative = f.isAbsolute() ? f : new File(dir, candidate);
        if (relative.isFile()) {
          found = relative;
        } else if (!f.isAbsolute() && f.isFile()) {
          found = f;
        }
        if (found != null) {
          break;
        }
      }
      if (found == null) {
        if (ConfigLoader.class.getClassLoader().getResource(name) != null) {
          continue;
        }
        throw new BadInputException("The config file '" + file + "' includes '" + name + "' (line " + (i + 1)
            + "), which does not exist; HOCON would silently skip it. Fix the path or remove the include.");
      }
      requireIncludedFiles(found, seen);
    }
  }

  /**
   * Records unknown keys (with the nearest valid key) and wrong types against reference.conf; the typed
   * settings classes then add range problems to the same collector.
   */
  static void validateStructure(Config resolved, ConfigProblems problems) {
    Config reference = ConfigFactory.defaultReference().getConfig(ROOT).atKey(ROOT);
    checkUnknownKeys(resolved, reference, problems);
    try {
      withoutListTrainUri(resolved).checkValid(reference, ROOT);
    } catch (ConfigException.ValidationFailed e) {
      for (ConfigException.ValidationProblem p : e.problems()) {
        problems.add(p.path(), p.problem() + ".");
      }
    }
  }

  /** data.train-uri may be a list of URIs where reference.conf has a string; DataSettings checks the list. */
  private static Config withoutListTrainUri(Config c) {
    String key = ROOT + ".data.train-uri";
    return c.hasPath(key) && c.getValue(key).valueType() == com.typesafe.config.ConfigValueType.LIST
        ? c.withValue(key, com.typesafe.config.ConfigValueFactory.fromAnyRef("list")) : c;
  }

  static Config parseOverride(String kv) {
    int eq = kv.indexOf('=');
    if (eq <= 0) {
      throw new BadInputException("--set expects key=value, got '" + kv + "'.");
    }
    String key = kv.substring(0, eq).trim();
    if (!key.startsWith(ROOT + ".")) {
      key = ROOT + "." + key;
    }
    String value = kv.substring(eq + 1).trim();
    // the origin names the override in error messages: never with a secret value
    String origin = "--set " + (Redaction.sensitive(key) ? kv.substring(0, eq) + "=" + Redaction.REDACTED
        : Redaction.userInfo(kv));
    try {
      return ConfigFactory.parseString(key + " = " + value,
          ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setOriginDescription(origin));
    } catch (ConfigException e) {
      // not valid HOCON as written (e.g. a path with colons): take the value as a plain string
      return ConfigFactory.parseMap(Map.of(key, value), origin);
    }
  }

  private static void checkUnknownKeys(Config user, Config reference, ConfigProblems problems) {
    Set<String> known = new TreeSet<>();
    for (Map.Entry<String, ConfigValue> e : reference.entrySet()) {
      known.add(e.getKey());
    }
    for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
      String key = e.getKey();
      if (!key.startsWith(ROOT + ".")) {
        problems.addRaw(key + " (" + ConfigProblems.origin(e.getValue().origin())
            + "): unknown top-level key; every sparktune setting lives under '" + ROOT + " { ... }'.");
        continue;
      }
      if (known.contains(key) || OPEN_MAPS.stream().anyMatch(p -> key.startsWith(p + "."))) {
        continue;
      }
      problems.addRaw(key + " (" + ConfigProblems.origin(e.getValue().origin()) + "): unknown key. "
          + "Did you mean " + nearest(key, known) + "? See reference.conf for every key.");
      problems.markBad(key);
    }
  }

  static String nearest(String key, Set<String> known) {
    String best = null;
    int bestD = Integer.MAX_VALUE;
    for (String k : known) {
      int d = levenshtein(key, k);
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    }
    return best;
  }

  static int levenshtein(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /** The resolved sparktune section rendered as HOCON, secrets redacted ({@link Redaction}), written next to every output. */
  public static String render(Config resolved) {
    return Redaction.redact(resolved.getConfig(ROOT).atKey(ROOT)).root().render(
        com.typesafe.config.ConfigRenderOptions.defaults().setOriginComments(false).setJson(false));
  }

}
