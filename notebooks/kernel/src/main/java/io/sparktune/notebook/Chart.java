package io.sparktune.notebook;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Line, scatter and bar charts drawn with Java2D into a PNG-ready image, for notebooks (no JavaScript, so they
 * show on any notebook viewer):
 * <pre>
 * Show.image(Chart.lines("Validation accuracy", "epoch", "accuracy").series("fine-tuned", x, y).draw());
 * </pre>
 */
public final class Chart {
  private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
      new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};
  private static final int W = 720;
  private static final int H = 400;
  private static final int LEFT = 70;
  private static final int RIGHT = 170;
  private static final int TOP = 40;
  private static final int BOTTOM = 55;

  enum Kind { LINES, POINTS, BARS }

  record Series(String name, double[] x, double[] y) {}

  private final Kind kind;
  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final List<Series> series = new ArrayList<>();
  private String[] categories;
  private boolean logX;

  private Chart(Kind kind, String title, String xLabel, String yLabel) {
    this.kind = kind;
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
  }

  /** Connected points per series (curves over epochs or steps). */
  public static Chart lines(String title, String xLabel, String yLabel) {
    return new Chart(Kind.LINES, title, xLabel, yLabel);
  }

  /** Unconnected points per series (a metric against a hyperparameter). */
  public static Chart points(String title, String xLabel, String yLabel) {
    return new Chart(Kind.POINTS, title, xLabel, yLabel);
  }

  /** One bar per category for each series, side by side. */
  public static Chart bars(String title, String yLabel, String... categories) {
    Chart c = new Chart(Kind.BARS, title, "", yLabel);
    c.categories = categories.clone();
    return c;
  }

  public Chart series(String name, double[] x, double[] y) {
    if (x.length != y.length) {
      throw new IllegalArgumentException("series " + name + ": " + x.length + " x values but " + y.length + " y values");
    }
    series.add(new Series(name, x.clone(), y.clone()));
    return this;
  }

  /** A bar series: one value per category. */
  public Chart series(String name, double... values) {
    if (kind != Kind.BARS || values.length != categories.length) {
      throw new IllegalArgumentException("series " + name + ": one value per category (" + categories.length + ") on a bar chart");
    }
    double[] x = new double[values.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = i;
    }
    series.add(new Series(name, x, values.clone()));
    return this;
  }

  /** A logarithmic x axis (learning rates). */
  public Chart logX() {
    this.logX = true;
    return this;
  }

  public BufferedImage draw() {
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, W, H);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    g.setColor(Color.BLACK);
    g.drawString(title, LEFT, 24);

    double[] xr = range(true);
    double[] yr = range(false);
    if (kind == Kind.BARS) {
      yr[0] = Math.min(0, yr[0]);
    }
    int pw = W - LEFT - RIGHT;
    int ph = H - TOP - BOTTOM;
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    FontMetrics fm = g.getFontMetrics();
    // y grid and ticks
    for (double t : ticks(yr[0], yr[1])) {
      int py = TOP + ph - (int) Math.round((t - yr[0]) / (yr[1] - yr[0]) * ph);
      g.setColor(new Color(0xe6e6e6));
      g.drawLine(LEFT, py, LEFT + pw, py);
      g.setColor(Color.DARK_GRAY);
      String s = label(t);
      g.drawString(s, LEFT - 6 - fm.stringWidth(s), py + 4);
    }
    // x ticks
    if (kind == Kind.BARS) {
      for (int i = 0; i < categories.length; i++) {
        int px = LEFT + (int) Math.round((i + 0.5) / categories.length * pw);
        g.drawString(categories[i], px - fm.stringWidth(categories[i]) / 2, TOP + ph + 16);
      }
    } else {
      boolean wholeX = series.stream().allMatch(ser -> java.util.Arrays.stream(ser.x()).allMatch(v -> v == Math.rint(v)));
      for (double t : logX ? logTicks(xr[0], xr[1]) : ticks(xr[0], xr[1])) {
        if (wholeX && t != Math.rint(t)) {
          continue; // epochs, steps: no 1.5
        }
        int px = xPixel(t, xr, pw);
        g.setColor(Color.DARK_GRAY);
        g.drawLine(px, TOP + ph, px, TOP + ph + 4);
        String s = label(t);
        g.drawString(s, px - fm.stringWidth(s) / 2, TOP + ph + 17);
      }
    }
    g.setColor(Color.BLACK);
    g.drawRect(LEFT, TOP, pw, ph);
    g.drawString(xLabel, LEFT + pw / 2 - fm.stringWidth(xLabel) / 2, H - 14);
    AffineTransform saved = g.getTransform();
    g.rotate(-Math.PI / 2);
    g.drawString(yLabel, -(TOP + ph / 2) - fm.stringWidth(yLabel) / 2, 16);
    g.setTransform(saved);

    for (int s = 0; s < series.size(); s++) {
      Series ser = series.get(s);
      g.setColor(PALETTE[s % PALETTE.length]);
      g.setStroke(new BasicStroke(2f));
      int prevX = -1;
      int prevY = -1;
      for (int i = 0; i < ser.x().length; i++) {
        if (!Double.isFinite(ser.y()[i])) {
          prevX = -1;
          continue;
        }
        int py = TOP + ph - (int) Math.round((ser.y()[i] - yr[0]) / (yr[1] - yr[0]) * ph);
        if (kind == Kind.BARS) {
          double slot = (double) pw / categories.length;
          int bw = (int) (slot * 0.8 / series.size());
          int px = LEFT + (int) (i * slot + slot * 0.1) + s * bw;
          int base = TOP + ph - (int) Math.round((0 - yr[0]) / (yr[1] - yr[0]) * ph);
          g.fillRect(px, Math.min(py, base), Math.max(1, bw - 2), Math.abs(base - py));
          continue;
        }
        int px = xPixel(ser.x()[i], xr, pw);
        g.fillOval(px - 3, py - 3, 7, 7);
        if (kind == Kind.LINES && prevX >= 0) {
          g.drawLine(prevX, prevY, px, py);
        }
        prevX = px;
        prevY = py;
      }
      g.fillRect(W - RIGHT + 14, TOP + 8 + s * 18, 12, 12);
      g.setColor(Color.BLACK);
      g.drawString(ser.name(), W - RIGHT + 32, TOP + 18 + s * 18);
    }
    g.dispose();
    return img;
  }

  private int xPixel(double x, double[] xr, int pw) {
    double v = logX ? Math.log10(x) : x;
    double lo = logX ? Math.log10(xr[0]) : xr[0];
    double hi = logX ? Math.log10(xr[1]) : xr[1];
    return LEFT + (int) Math.round((v - lo) / (hi - lo) * pw);
  }

  private double[] range(boolean x) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (double v : x ? s.x() : s.y()) {
        if (Double.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (!Double.isFinite(lo)) {
      return new double[] {0, 1};
    }
    if (x && logX) {
      return lo == hi ? new double[] {lo / 2, hi * 2} : new double[] {lo / 1.3, hi * 1.3};
    }
    double pad = hi > lo ? (hi - lo) * 0.05 : Math.max(Math.abs(hi) * 0.05, 0.5);
    return new double[] {lo - pad, hi + pad};
  }

  static List<Double> ticks(double lo, double hi) {
    double step = Math.pow(10, Math.floor(Math.log10((hi - lo) / 5)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if ((hi - lo) / (step * m) <= 7) {
        step *= m;
        break;
      }
    }
    List<Double> out = new ArrayList<>();
    for (double t = Math.ceil(lo / step) * step; t <= hi + 1e-12; t += step) {
      out.add(Math.abs(t) < step * 1e-9 ? 0 : t);
    }
    return out;
  }

  static List<Double> logTicks(double lo, double hi) {
    List<Double> out = new ArrayList<>();
    for (double t = Math.pow(10, Math.floor(Math.log10(lo))); t <= hi; t *= 10) {
      for (double m : new double[] {1, 2, 5}) {
        if (t * m >= lo && t * m <= hi) {
          out.add(t * m);
        }
      }
    }
    return out;
  }

  private static String label(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e6) {
      return String.valueOf((long) v);
    }
    return Math.abs(v) < 1e-2 || Math.abs(v) >= 1e5 ? String.format("%.0e", v) : String.format("%.3g", v);
  }
}
