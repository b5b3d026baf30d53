package io.sparktune.config;

import com.typesafe.config.Config;
import java.util.List;

/**
 * {@code sparktune.model.adapt.domain-vocabulary}: new tokens of the fine-tuning data added to a text
 * model's vocabulary and embedding.
 *
 * @param maxNewTokens most tokens to add, 0 = off
 * @param minCount a token must occur this often in the training split to be added
 * @param init how the new embedding rows start: sub-tokens or unk
 */
public record DomainVocabularySettings(int maxNewTokens, int minCount, String init) {
  public static final List<String> INITS = List.of("sub-tokens", "unk");

  public boolean enabled() {
    return maxNewTokens > 0;
  }

  static DomainVocabularySettings fromConfig(Config c, ConfigProblems p) {
    String b = ConfigLoader.ROOT + ".model.adapt.domain-vocabulary.";
    return new DomainVocabularySettings(p.intIn(b + "max-new-tokens", 0, 1_000_000),
        p.intIn(b + "min-count", 1, Integer.MAX_VALUE), p.oneOf(b + "init", INITS));
  }
}
