package io.sparktune.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChartAndTablesTest {
  @Test
  void aLineIsDrawnInTheSeriesColourBetweenItsPoints() {
    BufferedImage img = Chart.lines("t", "x", "y").series("s", new double[] {0, 1}, new double[] {0, 1}).draw();
    assertEquals(720, img.getWidth());
    // the plot area spans x 70..550, y 40..345; the line's middle is at its centre
    int rgb = img.getRGB(310, 192) & 0xffffff;
    assertNotEquals(0xffffff, rgb, "the line crosses the plot's centre");
    int blue = rgb & 0xff;
    assertTrue(blue > (rgb >> 16 & 0xff), "first series colour is blue: " + Integer.toHexString(rgb));
  }

  @Test
  void mismatchedSeriesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> Chart.lines("t", "x", "y").series("s", new double[] {1}, new double[] {1, 2}));
    assertThrows(IllegalArgumentException.class, () -> Chart.bars("t", "y", "a", "b").series("s", 1.0));
  }

  @Test
  void ticksAreRoundNumbersCoveringTheRange() {
    assertEquals(List.of(0.0, 0.2, 0.4, 0.6, 0.8, 1.0), Chart.ticks(0, 1).stream().map(t -> Math.round(t * 10) / 10.0).toList());
    assertEquals(List.of(1e-4, 2e-4, 5e-4, 1e-3), Chart.logTicks(1e-4, 1e-3));
  }

  @Test
  void tablesKeepColumnOrderAndEscapeHtml() {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("class", "<t-shirt>");
    row.put("f1", 0.75);
    String html = Show.Tables.html(List.of(row));
    assertTrue(html.contains("<th>class</th><th>f1</th>"), html);
    assertTrue(html.contains("&lt;t-shirt&gt;") && html.contains("0.7500"), html);
    assertEquals("class      f1\n<t-shirt>  0.7500", Show.Tables.text(List.of(row)));
  }
}
