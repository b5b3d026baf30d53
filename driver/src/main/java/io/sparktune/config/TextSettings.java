package io.sparktune.config;

import com.typesafe.config.Config;

/**
 * {@code sparktune.data.text}: how text examples become token-id sequences.
 *
 * @param textField JSON Lines field or CSV header column holding the text
 * @param labelField JSON Lines field or CSV header column holding the class
 * @param maxLength tokens per example (longer texts are cut, shorter ones padded and masked)
 * @param vocabularyUri the model's vocabulary, "" = vocabulary.txt beside the model file
 * @param minCount for a vocabulary built from the data: tokens seen fewer times are left out
 * @param numericFields JSON fields / CSV columns whose numbers follow the token ids (a two-input model's
 *     second input), in order; empty for text-only models
 */
public record TextSettings(String textField, String labelField, int maxLength, String vocabularyUri, int minCount,
    java.util.List<String> numericFields) implements java.io.Serializable {
  static TextSettings fromConfig(Config c, ConfigProblems p) {
    String b = ConfigLoader.ROOT + ".data.text.";
    return new TextSettings(p.requiredString(b + "text-field", "the field holding the text"),
        p.requiredString(b + "label-field", "the field holding the class"), p.intIn(b + "max-length", 1, 100_000),
        p.string(b + "vocabulary-uri"), p.intIn(b + "min-count", 1, Integer.MAX_VALUE),
        java.util.List.copyOf(p.stringList(b + "numeric-fields")));
  }
}
