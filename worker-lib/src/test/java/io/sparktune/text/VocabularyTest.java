package io.sparktune.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.BadInputException;
import io.sparktune.RealTexts;
import io.sparktune.data.BatchAssembler;
import io.sparktune.data.FeatureLayout;
import io.sparktune.data.Record;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

class VocabularyTest {
  @Test
  void tokenisesLowerCasedWordsDigitsAndSignalSymbols() {
    assertEquals(List.of("free", "$", "1000", "now", "!", "!", "click", "here", "ac", "dc"),
        Tokenizer.tokens("FREE $1000 now!! <click> here: AC/DC"));
    assertEquals(List.of("a".repeat(Tokenizer.MAX_TOKEN_CHARS)), Tokenizer.tokens("a".repeat(100)));
    assertEquals(List.of(), Tokenizer.tokens("  ... --- "));
  }

  @Test
  void encodesKnownUnknownAndPadding() {
    Vocabulary v = Vocabulary.of(List.of("free", "money"));
    assertArrayEquals(new float[] {2, 1, 3, 0, 0}, v.encode("Free cheap MONEY", 5));
    assertArrayEquals(new float[] {2, 3}, v.encode("free money free money", 2), "cut to the length");
    assertArrayEquals(new float[] {1, 0, 0}, v.encode("", 3), "an empty text is one <unk>, never all padding");
  }

  @Test
  void extendingKeepsEveryExistingId() {
    Vocabulary v = Vocabulary.of(List.of("free", "money"));
    Vocabulary w = v.extendedWith(List.of("viagra"));
    assertEquals(5, w.size());
    for (int id = 0; id < v.size(); id++) {
      assertEquals(v.token(id), w.token(id));
    }
    assertEquals(4, w.id("viagra"));
    assertEquals(Vocabulary.UNK_ID, v.id("viagra"));
  }

  @Test
  void fileFormatRoundTripsAndBadFilesAreRefusedWithTheLine() throws Exception {
    Vocabulary real = RealTexts.vocabulary();
    assertEquals(4000, real.size());
    assertEquals(real.known(), Vocabulary.parse(real.format(), "again").known());
    BadInputException noSpecials = assertThrows(BadInputException.class, () -> Vocabulary.parse("free\nmoney\n", "v.txt"));
    assertTrue(noSpecials.getMessage().contains("'v.txt' is not a sparktune vocabulary"), noSpecials.getMessage());
    BadInputException twoTokens = assertThrows(BadInputException.class,
        () -> Vocabulary.parse("<pad>\n<unk>\nfree\nfree money\n", "v.txt"));
    assertTrue(twoTokens.getMessage().contains("line 4"), twoTokens.getMessage());
    BadInputException twice = assertThrows(BadInputException.class,
        () -> Vocabulary.parse("<pad>\n<unk>\nfree\nfree\n", "v.txt"));
    assertTrue(twice.getMessage().contains("'free' twice (line 4)"), twice.getMessage());
  }

  @Test
  void subTokensSplitGreedilyLongestFirst() {
    Vocabulary v = Vocabulary.of(List.of("spam", "assassin", "ass", "as", "sin", "online"));
    assertEquals(List.of("spam", "assassin"), SubTokens.of("spamassassin", v));
    assertEquals(List.of("online"), SubTokens.of("xonlinex", v), "characters no piece starts with are skipped");
    assertEquals(List.of(), SubTokens.of("zzz", v));
  }

  @Test
  void sequenceBatchesCarryAMaskThatHidesPadding() {
    Vocabulary v = Vocabulary.of(List.of("free", "money"));
    BatchAssembler a = new BatchAssembler(2, 2, FeatureLayout.sequence(4), null);
    DataSet ds = a.assemble(List.of(new Record(v.encode("free money", 4), 1, "a:1"),
        new Record(v.encode("hello", 4), 0, "a:2")));
    assertArrayEquals(new long[] {2, 4}, ds.getFeatures().shape());
    assertArrayEquals(new float[][] {{1, 1, 0, 0}, {1, 0, 0, 0}}, ds.getFeaturesMaskArray().toFloatMatrix());
    assertArrayEquals(new float[][] {{2, 3, 0, 0}, {1, 0, 0, 0}}, ds.getFeatures().toFloatMatrix());
  }
}
