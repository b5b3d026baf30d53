package io.sparktune.text;

import io.sparktune.BadInputException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Token ids of a text model: id 0 is padding ({@value #PAD}), id 1 stands for every token the vocabulary
 * does not hold ({@value #UNK}), and id {@code k >= 2} is the k-th known token. Row {@code k} of the
 * model's embedding layer belongs to id {@code k}, so a vocabulary travels with its model as a text file of
 * one token per line (line k = id k).
 */
public final class Vocabulary implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final String PAD = "<pad>";
  public static final String UNK = "<unk>";
  public static final int PAD_ID = 0;
  public static final int UNK_ID = 1;

  private final List<String> tokens;
  private final Map<String, Integer> ids;

  private Vocabulary(List<String> tokens) {
    this.tokens = List.copyOf(tokens);
    this.ids = new HashMap<>(tokens.size() * 2);
    for (int i = 0; i < tokens.size(); i++) {
      if (ids.put(tokens.get(i), i) != null) {
        throw new BadInputException("The vocabulary lists the token '" + tokens.get(i) + "' twice (line " + (i + 1)
            + ").");
      }
    }
  }

  /** A vocabulary of the two special tokens followed by {@code known} in id order. */
  public static Vocabulary of(List<String> known) {
    List<String> all = new ArrayList<>(known.size() + 2);
    all.add(PAD);
    all.add(UNK);
    all.addAll(known);
    return new Vocabulary(all);
  }

  /** Parses the file format (one token per line, the first two lines {@value #PAD} and {@value #UNK}). */
  public static Vocabulary parse(String text, String where) {
    List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
    if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    if (lines.size() < 2 || !lines.get(0).equals(PAD) || !lines.get(1).equals(UNK)) {
      throw new BadInputException("'" + where + "' is not a sparktune vocabulary: its first two lines must be "
          + PAD + " and " + UNK + ", then one token per line.");
    }
    for (int i = 2; i < lines.size(); i++) {
      String t = lines.get(i);
      if (t.isEmpty() || !Tokenizer.tokens(t).equals(List.of(t))) {
        throw new BadInputException("Vocabulary '" + where + "' line " + (i + 1) + " holds '" + t
            + "', which is not a single token of sparktune's tokeniser.");
      }
    }
    return new Vocabulary(lines);
  }

  /** The file format: one token per line. */
  public String format() {
    return String.join("\n", tokens) + "\n";
  }

  /** Number of ids, the special ones included: the embedding layer needs at least this many rows. */
  public int size() {
    return tokens.size();
  }

  public boolean contains(String token) {
    return ids.containsKey(token);
  }

  /** The id of {@code token}, {@link #UNK_ID} when unknown. */
  public int id(String token) {
    return ids.getOrDefault(token, UNK_ID);
  }

  public String token(int id) {
    return tokens.get(id);
  }

  /** The known tokens (ids 2 and up) in id order. */
  public List<String> known() {
    return tokens.subList(2, tokens.size());
  }

  /** This vocabulary with {@code added} appended (ids {@code size()} and up); the existing ids do not change. */
  public Vocabulary extendedWith(List<String> added) {
    List<String> all = new ArrayList<>(tokens);
    all.addAll(added);
    return new Vocabulary(all);
  }

  /**
   * The first {@code length} token ids of {@code text}, padded with {@link #PAD_ID}. A text without tokens
   * becomes a single {@link #UNK_ID}, so no example is all padding (a fully masked sequence has no output).
   */
  public float[] encode(String text, int length) {
    float[] out = new float[length];
    int n = 0;
    for (String t : Tokenizer.tokens(text)) {
      if (n == length) {
        break;
      }
      out[n++] = id(t);
    }
    if (n == 0) {
      out[0] = UNK_ID;
    }
    return out;
  }
}
