package io.sparktune.sweep;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.sparktune.BadInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The searched keys of a sweep, from {@code sparktune.sweep.space}: each entry names a fine-tune config
 * key (quoted, e.g. {@code "training.learning-rate"}) and exactly one domain:
 * {@code choice = [...]}, {@code uniform = [min, max]}, {@code log-uniform = [min, max]},
 * {@code int = [min, max]} or {@code log-int = [min, max]}, optionally with {@code when { key = value }}
 * (the key is set only when those other searched keys have those values). Parameters are kept in an
 * order where every condition comes before the parameters it controls.
 */
public final class SearchSpace {
  public static final List<String> DOMAINS = List.of("choice", "uniform", "log-uniform", "int", "log-int");

  private final List<Parameter> parameters;

  public SearchSpace(List<Parameter> parameters) {
    this.parameters = ordered(parameters);
  }

  public List<Parameter> parameters() {
    return parameters;
  }

  /**
   * Parses the space; every problem names the key.
   *
   * @param path the config path of the space (for messages), e.g. sparktune.sweep.space
   */
  public static SearchSpace parse(Config space, String path) {
    List<Parameter> out = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> e : space.root().entrySet()) {
      String key = e.getKey();
      String where = path + ".\"" + key + "\"";
      if (e.getValue().valueType() != ConfigValueType.OBJECT) {
        problems.add(where + ": must be an object with one of " + DOMAINS + ", e.g. { log-uniform = [1e-4, 1e-2] }");
        continue;
      }
      Config p = space.getConfig("\"" + key + "\"");
      List<String> kinds = p.root().keySet().stream().filter(DOMAINS::contains).toList();
      List<String> unknown = p.root().keySet().stream().filter(k -> !DOMAINS.contains(k) && !k.equals("when")).toList();
      if (kinds.size() != 1 || !unknown.isEmpty()) {
        problems.add(where + ": needs exactly one domain of " + DOMAINS + " (and optionally when { ... }); it has "
            + (kinds.isEmpty() ? "none" : kinds) + (unknown.isEmpty() ? "" : " and unknown keys " + unknown)
            + (kinds.size() > 1 ? " (a --set of a searched key merges with the file's entry: give the whole space "
            + "in one place)" : ""));
        continue;
      }
      try {
        Map<String, Object> when = new LinkedHashMap<>();
        if (p.hasPath("when")) {
          p.getConfig("when").root().forEach((k, v) -> when.put(k.replace("\"", ""), v.unwrapped()));
        }
        out.add(new Parameter(key, domain(kinds.get(0), p, where), when));
      } catch (BadInputException | ConfigException ex) {
        problems.add(ex.getMessage());
      }
    }
    Set<String> keys = new java.util.HashSet<>();
    out.forEach(p -> keys.add(p.key()));
    for (Parameter p : out) {
      for (String c : p.when().keySet()) {
        if (!keys.contains(c)) {
          problems.add(path + ".\"" + p.key() + "\".when: '" + c + "' is not a searched key; conditions refer to other "
              + "keys of the space " + keys + ".");
        }
      }
    }
    if (out.isEmpty() && problems.isEmpty()) {
      problems.add(path + ": the search space is empty; add at least one key, e.g. \"training.learning-rate\" "
          + "{ log-uniform = [1e-4, 1e-2] }.");
    }
    if (!problems.isEmpty()) {
      throw new BadInputException("Bad sweep search space:\n  " + String.join("\n  ", problems));
    }
    return new SearchSpace(out);
  }

  private static Domain domain(String kind, Config p, String where) {
    if (kind.equals("choice")) {
      List<Object> values = new ArrayList<>();
      p.getList("choice").forEach(v -> values.add(v.unwrapped()));
      if (values.isEmpty()) {
        throw new BadInputException(where + ".choice: give at least one value.");
      }
      return new Domain.Choice(values);
    }
    List<Double> range;
    try {
      range = p.getDoubleList(kind);
    } catch (ConfigException e) {
      throw new BadInputException(where + "." + kind + ": must be [min, max] (two numbers).");
    }
    if (range.size() != 2 || !(range.get(0) < range.get(1))) {
      throw new BadInputException(where + "." + kind + ": must be [min, max] with min < max, got " + range + ".");
    }
    double min = range.get(0);
    double max = range.get(1);
    boolean log = kind.startsWith("log-");
    if (log && min <= 0) {
      throw new BadInputException(where + "." + kind + ": a logarithmic range needs min > 0, got " + min + ".");
    }
    if (kind.endsWith("int")) {
      if (min != Math.rint(min) || max != Math.rint(max)) {
        throw new BadInputException(where + "." + kind + ": the bounds must be integers, got " + range + ".");
      }
      return new Domain.Int((long) min, (long) max, log);
    }
    return new Domain.Real(min, max, log);
  }

  /** A uniformly random configuration (inactive parameters left out). */
  public Map<String, Object> sample(SplittableRandom rnd) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Parameter p : parameters) {
      if (p.activeIn(values)) {
        values.put(p.key(), p.domain().sample(rnd));
      }
    }
    return values;
  }

  /** Every configuration of the grid ({@code points} values per continuous key), conditions applied, no duplicates. */
  public List<Map<String, Object>> grid(int points) {
    List<Map<String, Object>> partial = new ArrayList<>();
    partial.add(new LinkedHashMap<>());
    for (Parameter p : parameters) {
      List<Map<String, Object>> next = new ArrayList<>();
      for (Map<String, Object> base : partial) {
        if (!p.activeIn(base)) {
          next.add(base);
          continue;
        }
        for (Object v : p.domain().grid(points)) {
          Map<String, Object> m = new LinkedHashMap<>(base);
          m.put(p.key(), v);
          next.add(m);
        }
      }
      partial = next;
    }
    return partial;
  }

  /** Numbers compare by value (a config's 1 equals 1.0), everything else by equals. */
  static boolean sameValue(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return x.doubleValue() == y.doubleValue();
    }
    return String.valueOf(a).equals(String.valueOf(b));
  }

  private static List<Parameter> ordered(List<Parameter> in) {
    List<Parameter> out = new ArrayList<>();
    List<Parameter> left = new ArrayList<>(in);
    while (!left.isEmpty()) {
      boolean progress = false;
      for (java.util.Iterator<Parameter> it = left.iterator(); it.hasNext(); ) {
        Parameter p = it.next();
        if (out.stream().map(Parameter::key).toList().containsAll(p.when().keySet())
            || p.when().keySet().stream().noneMatch(k -> in.stream().anyMatch(q -> q.key().equals(k)))) {
          out.add(p);
          it.remove();
          progress = true;
        }
      }
      if (!progress) {
        throw new BadInputException("The sweep's conditions are circular: " + left.stream().map(Parameter::key).toList()
            + " each depend on another.");
      }
    }
    return out;
  }
}
