package io.sparktune.eval;

import io.sparktune.data.BatchAssembler;
import io.sparktune.data.Record;
import io.sparktune.model.Network;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Occlusion sensitivity (Zeiler and Fergus 2014) per class, as a mergeable accumulator: a square patch
 * of each image is set to zero in raw input units (black), one position at a time, and the drop of the
 * model's probability for the true class is recorded per position; maps are averaged over the examples
 * of each class. High values mark the regions the model needs to recognise the class.
 */
public final class OcclusionMaps implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int channels;
  private final int height;
  private final int width;
  private final int patch;
  private final int rows;
  private final int cols;
  /** [class][row * cols + col] summed probability drops */
  private final double[][] sums;
  private final long[] counts;

  public OcclusionMaps(int classes, int[] chw, int patch) {
    this.channels = chw[0];
    this.height = chw[1];
    this.width = chw[2];
    this.patch = patch;
    this.rows = (height + patch - 1) / patch;
    this.cols = (width + patch - 1) / patch;
    this.sums = new double[classes][rows * cols];
    this.counts = new long[classes];
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  /** Adds one image: its probability of the true class with each patch occluded, one batch per image. */
  public OcclusionMaps add(Network net, BatchAssembler assembler, Record image) {
    List<Record> variants = new ArrayList<>(rows * cols + 1);
    variants.add(image);
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        float[] x = image.features().clone();
        for (int ch = 0; ch < channels; ch++) {
          for (int y = r * patch; y < Math.min(height, (r + 1) * patch); y++) {
            for (int xx = c * patch; xx < Math.min(width, (c + 1) * patch); xx++) {
              x[(ch * height + y) * width + xx] = 0f;
            }
          }
        }
        variants.add(image.withFeatures(x));
      }
    }
    float[][] p = net.output(assembler.assemble(variants).getFeatures()).toFloatMatrix();
    int truth = image.label();
    for (int i = 0; i < rows * cols; i++) {
      sums[truth][i] += p[0][truth] - p[i + 1][truth];
    }
    counts[truth]++;
    return this;
  }

  public OcclusionMaps merge(OcclusionMaps o) {
    for (int k = 0; k < sums.length; k++) {
      counts[k] += o.counts[k];
      for (int i = 0; i < sums[k].length; i++) {
        sums[k][i] += o.sums[k][i];
      }
    }
    return this;
  }

  public long count(int cls) {
    return counts[cls];
  }

  /** The mean probability drop per patch position of a class, [rows][cols]; null when no example. */
  public double[][] map(int cls) {
    if (counts[cls] == 0) {
      return null;
    }
    double[][] m = new double[rows][cols];
    for (int i = 0; i < rows * cols; i++) {
      m[i / cols][i % cols] = sums[cls][i] / counts[cls];
    }
    return m;
  }
}
