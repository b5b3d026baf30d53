package io.sparktune.data;

import java.util.SplittableRandom;

/**
 * Random image augmentation applied to raw training examples on the executors, seeded per example
 * and epoch (so a run is reproducible and independent of partitioning): a random rotation and shift
 * (one resampling, bilinear, zero fill), an optional horizontal flip, cutout (DeVries and Taylor 2017:
 * a square patch set to zero) and Gaussian noise. Validation data is never augmented.
 *
 * @param channels image channels ({@code features} are channel-major, then rows, then columns)
 * @param height image height in pixels
 * @param width image width in pixels
 * @param maxShift largest shift in pixels along each axis (uniform in [-maxShift, maxShift])
 * @param maxRotationDegrees largest rotation about the centre (uniform in [-max, max])
 * @param flip flip left-right with probability 1/2 (only where the classes are mirror-invariant)
 * @param cutout side of the zeroed square in pixels (0 = none); its centre is uniform over the image
 * @param noiseStd standard deviation of added Gaussian noise, in raw pixel units (0 = none)
 */
public record ImageAugmentation(int channels, int height, int width, int maxShift, double maxRotationDegrees,
    boolean flip, int cutout, double noiseStd) implements ExampleTransform {

  @Override
  public Record apply(Record example, SplittableRandom rnd) {
    return example.withFeatures(apply(example.features(), rnd));
  }

  /** True when it changes nothing. */
  public boolean identity() {
    return maxShift == 0 && maxRotationDegrees == 0 && !flip && cutout == 0 && noiseStd == 0;
  }

  /** The augmented copy of {@code x}; {@code rnd} decides every random choice. */
  public float[] apply(float[] x, SplittableRandom rnd) {
    double angle = Math.toRadians(maxRotationDegrees * (2 * rnd.nextDouble() - 1));
    int dx = maxShift == 0 ? 0 : rnd.nextInt(-maxShift, maxShift + 1);
    int dy = maxShift == 0 ? 0 : rnd.nextInt(-maxShift, maxShift + 1);
    boolean mirror = flip && rnd.nextBoolean();
    float[] out = (angle == 0 && dx == 0 && dy == 0 && !mirror) ? x.clone() : resample(x, angle, dx, dy, mirror);
    if (cutout > 0) {
      cut(out, rnd.nextInt(height), rnd.nextInt(width));
    }
    if (noiseStd > 0) {
      for (int i = 0; i < out.length; i++) {
        out[i] += (float) (noiseStd * rnd.nextGaussian());
      }
    }
    return out;
  }

  /**
   * Each output pixel takes the input at the inverse transform of its position: un-shift, un-rotate
   * about the centre, un-mirror; bilinear between the four neighbours, zero outside the image.
   */
  private float[] resample(float[] x, double angle, int dx, int dy, boolean mirror) {
    float[] out = new float[x.length];
    double cy = (height - 1) / 2.0;
    double cx = (width - 1) / 2.0;
    double cos = Math.cos(angle);
    double sin = Math.sin(angle);
    int plane = height * width;
    for (int r = 0; r < height; r++) {
      for (int c = 0; c < width; c++) {
        double yr = r - dy - cy;
        double xr = c - dx - cx;
        double sy = cos * yr + sin * xr + cy;
        double sx = -sin * yr + cos * xr + cx;
        if (mirror) {
          sx = width - 1 - sx;
        }
        for (int ch = 0; ch < channels; ch++) {
          out[ch * plane + r * width + c] = bilinear(x, ch * plane, sy, sx);
        }
      }
    }
    return out;
  }

  private float bilinear(float[] x, int base, double y, double xx) {
    int y0 = (int) Math.floor(y);
    int x0 = (int) Math.floor(xx);
    double fy = y - y0;
    double fx = xx - x0;
    return (float) ((1 - fy) * ((1 - fx) * at(x, base, y0, x0) + fx * at(x, base, y0, x0 + 1))
        + fy * ((1 - fx) * at(x, base, y0 + 1, x0) + fx * at(x, base, y0 + 1, x0 + 1)));
  }

  private float at(float[] x, int base, int r, int c) {
    return r < 0 || r >= height || c < 0 || c >= width ? 0f : x[base + r * width + c];
  }

  private void cut(float[] x, int centreRow, int centreCol) {
    int r0 = Math.max(0, centreRow - cutout / 2);
    int c0 = Math.max(0, centreCol - cutout / 2);
    int plane = height * width;
    for (int ch = 0; ch < channels; ch++) {
      for (int r = r0; r < Math.min(height, r0 + cutout); r++) {
        for (int c = c0; c < Math.min(width, c0 + cutout); c++) {
          x[ch * plane + r * width + c] = 0f;
        }
      }
    }
  }
}
