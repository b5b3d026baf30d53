package io.sparktune.notebook;

import java.awt.image.RenderedImage;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;

/** Displays charts, tables and text in the notebook cell that calls it. */
public final class Show {
  private Show() {}

  public static void image(RenderedImage image) {
    kernel().display(kernel().getRenderer().render(image));
  }

  public static void markdown(String markdown) {
    DisplayData d = new DisplayData(markdown);
    d.putMarkdown(markdown);
    kernel().display(d);
  }

  /** Rows of a table (one map per row, columns in the first row's key order) as HTML, with a text fallback. */
  public static void table(Collection<? extends Map<String, ?>> rows) {
    DisplayData d = new DisplayData(Tables.text(rows));
    d.putHTML(Tables.html(rows));
    kernel().display(d);
  }

  private static BaseKernel kernel() {
    BaseKernel k = BaseKernel.notebookKernel();
    if (k == null) {
      throw new IllegalStateException("Show works inside a notebook (the sparktune-java kernel) only");
    }
    return k;
  }

  /** Tables as HTML and as aligned text. */
  public static final class Tables {
    private Tables() {}

    static List<String> columns(Collection<? extends Map<String, ?>> rows) {
      Set<String> cols = new LinkedHashSet<>();
      rows.forEach(r -> cols.addAll(r.keySet()));
      return List.copyOf(cols);
    }

    public static String html(Collection<? extends Map<String, ?>> rows) {
      StringBuilder b = new StringBuilder("<table><thead><tr>");
      List<String> cols = columns(rows);
      cols.forEach(c -> b.append("<th>").append(escape(c)).append("</th>"));
      b.append("</tr></thead><tbody>");
      for (Map<String, ?> r : rows) {
        b.append("<tr>");
        cols.forEach(c -> b.append("<td>").append(escape(cell(r.get(c)))).append("</td>"));
        b.append("</tr>");
      }
      return b.append("</tbody></table>").toString();
    }

    public static String text(Collection<? extends Map<String, ?>> rows) {
      List<String> cols = columns(rows);
      int[] width = cols.stream().mapToInt(String::length).toArray();
      for (Map<String, ?> r : rows) {
        for (int i = 0; i < cols.size(); i++) {
          width[i] = Math.max(width[i], cell(r.get(cols.get(i))).length());
        }
      }
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < cols.size(); i++) {
        b.append(String.format("%-" + (width[i] + 2) + "s", cols.get(i)));
      }
      for (Map<String, ?> r : rows) {
        b.append('\n');
        for (int i = 0; i < cols.size(); i++) {
          b.append(String.format("%-" + (width[i] + 2) + "s", cell(r.get(cols.get(i)))));
        }
      }
      return b.toString().replaceAll(" +\n", "\n").stripTrailing();
    }

    static String cell(Object v) {
      if (v == null) {
        return "";
      }
      if (v instanceof Double || v instanceof Float) {
        double d = ((Number) v).doubleValue();
        return Math.abs(d) >= 1e4 || (d != 0 && Math.abs(d) < 1e-3) ? String.format("%.3g", d) : String.format("%.4f", d);
      }
      return v.toString();
    }

    private static String escape(String s) {
      return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
  }
}
