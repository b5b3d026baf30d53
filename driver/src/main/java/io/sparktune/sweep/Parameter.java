package io.sparktune.sweep;

import java.util.Map;

/**
 * One searched key of the fine-tune configuration (a path under {@code sparktune}, e.g.
 * "training.learning-rate"), its domain, and the condition under which it is set at all: every
 * {@code when} key (another parameter) must have the given value, otherwise the key keeps the base
 * configuration's value (e.g. the LoRA rank only when LoRA is on).
 */
public record Parameter(String key, Domain domain, Map<String, Object> when) {

  /** True when this parameter applies to a trial with these values of the other parameters. */
  public boolean activeIn(Map<String, Object> values) {
    for (Map.Entry<String, Object> c : when.entrySet()) {
      Object v = values.get(c.getKey());
      if (v == null || !SearchSpace.sameValue(v, c.getValue())) {
        return false;
      }
    }
    return true;
  }
}
