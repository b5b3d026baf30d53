package io.sparktune.data;

import io.sparktune.BadInputException;
import java.util.ArrayList;
import java.util.List;

/** Splits one CSV line with RFC 4180 quoting ("a, b" is one cell; "" inside quotes is a quote). */
final class QuotedCsv {
  private QuotedCsv() {}

  static List<String> split(String line, String where) {
    List<String> cells = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cell.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          cell.append(c);
        }
      } else if (c == '"' && cell.toString().isBlank()) {
        cell.setLength(0);
        quoted = true;
      } else if (c == ',') {
        cells.add(cell.toString());
        cell.setLength(0);
      } else {
        cell.append(c);
      }
    }
    if (quoted) {
      throw new BadInputException("Malformed CSV row at " + where + ": a quoted cell is not closed on its line "
          + "(format text reads one record per line).");
    }
    cells.add(cell.toString());
    return cells;
  }
}
