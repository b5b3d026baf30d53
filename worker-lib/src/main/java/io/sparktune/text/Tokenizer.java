package io.sparktune.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one tokenisation rule of sparktune's text path: lower-cased runs of letters, runs of digits, and
 * the symbols {@code ! $ % @ &} each as a token of its own (they carry signal in mail and reviews);
 * everything else separates tokens. A token longer than {@link #MAX_TOKEN_CHARS} is cut to that length,
 * so run-on strings (base64, URLs without separators) cannot fill a vocabulary.
 */
public final class Tokenizer {
  public static final int MAX_TOKEN_CHARS = 24;
  private static final Pattern TOKEN = Pattern.compile("\\p{L}+|\\p{N}+|[!$%@&]");

  private Tokenizer() {}

  /** The tokens of {@code text} in order. */
  public static List<String> tokens(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = TOKEN.matcher(text);
    while (m.find()) {
      String t = m.group().toLowerCase(Locale.ROOT);
      out.add(t.length() > MAX_TOKEN_CHARS ? t.substring(0, MAX_TOKEN_CHARS) : t);
    }
    return out;
  }
}
