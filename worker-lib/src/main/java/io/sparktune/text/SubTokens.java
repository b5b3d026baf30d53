package io.sparktune.text;

import java.util.ArrayList;
import java.util.List;

/**
 * The known tokens a new token is made of, found greedily from the left, longest first (the way
 * WordPiece segments a word): "spamassassin" = "spam" + "assassin" when both are known. Pieces are at
 * least {@value #MIN_PIECE} characters; characters no known piece starts with are skipped.
 */
public final class SubTokens {
  public static final int MIN_PIECE = 2;

  private SubTokens() {}

  public static List<String> of(String token, Vocabulary vocabulary) {
    List<String> pieces = new ArrayList<>();
    int start = 0;
    while (start < token.length()) {
      int end = token.length();
      while (end - start >= MIN_PIECE && !vocabulary.contains(token.substring(start, end))) {
        end--;
      }
      if (end - start >= MIN_PIECE) {
        pieces.add(token.substring(start, end));
        start = end;
      } else {
        start++;
      }
    }
    return pieces;
  }
}
