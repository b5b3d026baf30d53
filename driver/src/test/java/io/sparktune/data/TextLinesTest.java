package io.sparktune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class TextLinesTest {
  static List<TextLines.Line> all(Iterator<TextLines.Line> it) {
    List<TextLines.Line> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  @Test
  void numbersEveryLineOfItsFileFromOne() {
    byte[] text = "a,1\r\nb,2\n\nc,3".getBytes(StandardCharsets.UTF_8);
    List<TextLines.Line> lines = all(TextLines.open("file:/d/x.csv", new ByteArrayInputStream(text)));
    assertEquals(List.of(new TextLines.Line("file:/d/x.csv", 1, "a,1"), new TextLines.Line("file:/d/x.csv", 2, "b,2"),
        new TextLines.Line("file:/d/x.csv", 3, ""), new TextLines.Line("file:/d/x.csv", 4, "c,3")), lines);
  }

  @Test
  void decompressesByExtension() throws IOException {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write("{\"text\":\"é\"}\nsecond\n".getBytes(StandardCharsets.UTF_8));
    }
    List<TextLines.Line> lines = all(TextLines.open("file:/d/x.jsonl.gz", new ByteArrayInputStream(gz.toByteArray())));
    assertEquals(2, lines.size());
    assertEquals("{\"text\":\"é\"}", lines.get(0).text());
    assertEquals(2, lines.get(1).number());
  }

  /** Reads as it is consumed and closes the stream at the end: a file is never held whole. */
  @Test
  void streamsAndClosesAtTheEnd() {
    int[] read = {0};
    boolean[] closed = {false};
    byte[] text = "x\n".repeat(200_000).getBytes(StandardCharsets.UTF_8);
    InputStream counting = new ByteArrayInputStream(text) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        int n = super.read(b, off, len);
        read[0] += Math.max(0, n);
        return n;
      }

      @Override
      public void close() {
        closed[0] = true;
      }
    };
    Iterator<TextLines.Line> it = TextLines.open("file:/d/big.csv", counting);
    it.next();
    assertTrue(read[0] < text.length / 2, "only a buffer's worth read after the first line: " + read[0]);
    assertFalse(closed[0]);
    long n = 1;
    while (it.hasNext()) {
      it.next();
      n++;
    }
    assertEquals(200_000, n);
    assertTrue(closed[0], "closed after the last line");
    assertThrows(java.util.NoSuchElementException.class, it::next);
  }
}
