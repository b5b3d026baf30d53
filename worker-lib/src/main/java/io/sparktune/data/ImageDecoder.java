package io.sparktune.data;

import io.sparktune.BadInputException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import javax.imageio.ImageIO;

/**
 * Decodes PNG/JPEG/BMP/GIF bytes (javax.imageio, no native code) into raw 0..255 pixel values in
 * channel-major order, checking the size against what the model expects.
 */
public final class ImageDecoder implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int channels;
  private final int height;
  private final int width;

  public ImageDecoder(int channels, int height, int width) {
    if (channels != 1 && channels != 3) {
      throw new BadInputException("Image channels must be 1 (grey) or 3 (RGB), not " + channels + ".");
    }
    this.channels = channels;
    this.height = height;
    this.width = width;
  }

  public float[] decode(byte[] bytes, String file) {
    BufferedImage img;
    try {
      img = ImageIO.read(new ByteArrayInputStream(bytes));
    } catch (IOException e) {
      throw new BadInputException("Image '" + file + "' cannot be decoded: " + e.getMessage(), e);
    }
    if (img == null) {
      throw new BadInputException("'" + file + "' is not an image format this JVM can read (PNG, JPEG, BMP, GIF).");
    }
    if (img.getHeight() != height || img.getWidth() != width) {
      throw new BadInputException(
          "Image '" + file + "' is " + img.getWidth() + "x" + img.getHeight() + " (width x height) but "
              + width + "x" + height + " is expected (data.image.width/height).");
    }
    float[] out = new float[channels * height * width];
    int plane = height * width;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int rgb = img.getRGB(x, y);
        int r = (rgb >> 16) & 0xFF;
        int g = (rgb >> 8) & 0xFF;
        int b = rgb & 0xFF;
        int i = y * width + x;
        if (channels == 1) {
          // grey images read back as r == g == b; colour ones are converted with ITU-R 601 weights
          out[i] = (r == g && g == b) ? r : Math.round(0.299f * r + 0.587f * g + 0.114f * b);
        } else {
          out[i] = r;
          out[plane + i] = g;
          out[2 * plane + i] = b;
        }
      }
    }
    return out;
  }
}
