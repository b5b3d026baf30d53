package io.sparktune.train;

/**
 * One-bit compression with error feedback (Seide et al. 2014, "1-bit SGD"; Karimireddy et al. 2019,
 * "Error Feedback Fixes SignSGD"): every vector added goes into a residual, and what is sent is the
 * residual's sign per entry times one scale per block (the block's mean magnitude), so that the block's sent
 * magnitude equals its residual's. What was sent is subtracted from the residual, so nothing is lost, only
 * delayed: after any number of steps, what was sent plus the residual equals the sum of what was added.
 * Every entry moves every step (unlike top-k sparsification, where an entry waits until it is among the
 * largest), at 1 bit per entry plus 32 bits per block.
 *
 * <p>Blocks hold at most {@link #BLOCK} entries and never span two segments (parameter tensors), whose
 * magnitudes differ. A segment can ask for blocks of one entry, which sends its values exactly: batch
 * normalisation's running variance, moved every step by a scale shared with larger variances, could go
 * negative.
 *
 * <p>The same class compresses a task's update and the hub's mean of them (the hub keeps its own residual).
 */
public final class OneBitEncoder {
  /** Entries per scale. */
  public static final int BLOCK = 256;

  private final float[] residual;
  private final int[] blockStarts;

  /**
   * @param segments lengths of the segments the vector is made of, in order
   * @param blockSizes each segment's block size (at most {@link #BLOCK}; 1 sends its values exactly, at 33
   *     bits each)
   */
  public OneBitEncoder(int[] segments, int[] blockSizes) {
    this.blockStarts = blockStarts(segments, blockSizes);
    this.residual = new float[blockStarts[blockStarts.length - 1]];
  }

  /** Start of every block, then the vector's length. */
  private static int[] blockStarts(int[] segments, int[] blockSizes) {
    int blocks = 0;
    for (int k = 0; k < segments.length; k++) {
      blocks += (segments[k] + blockSizes[k] - 1) / blockSizes[k];
    }
    int[] starts = new int[blocks + 1];
    int b = 0;
    int at = 0;
    for (int k = 0; k < segments.length; k++) {
      for (int off = 0; off < segments[k]; off += blockSizes[k]) {
        starts[b++] = at + off;
      }
      at += segments[k];
    }
    starts[b] = at;
    return starts;
  }

  /** One compressed vector: a sign bit per entry (set = positive) and a scale per block. */
  public static final class Message {
    final byte[] signs;
    final float[] scales;

    Message(int signBytes, int blocks) {
      this.signs = new byte[signBytes];
      this.scales = new float[blocks];
    }
  }

  /** An empty message of this layout. */
  public Message newMessage() {
    return new Message(signBytes(), blocks());
  }

  /** Entries of the vector. */
  public int length() {
    return residual.length;
  }

  /** Scales in a message. */
  public int blocks() {
    return blockStarts.length - 1;
  }

  /** Bytes of a message: the sign bits, then the block scales. */
  public int messageBytes() {
    return signBytes() + 4 * blocks();
  }

  /** Bytes of a message's sign bits. */
  public int signBytes() {
    return (residual.length + 7) / 8;
  }

  /**
   * Adds {@code values} to the residual and encodes it into {@code out}; subtracts what the message decodes
   * to from the residual.
   */
  public void encode(float[] values, Message out) {
    byte[] signs = out.signs;
    float[] scales = out.scales;
    int n = residual.length;
    for (int i = 0; i < n; i++) {
      residual[i] += values[i];
    }
    java.util.Arrays.fill(signs, 0, signBytes(), (byte) 0);
    for (int b = 0; b < blocks(); b++) {
      int start = blockStarts[b];
      int end = blockStarts[b + 1];
      double magnitude = 0;
      for (int i = start; i < end; i++) {
        magnitude += Math.abs(residual[i]);
      }
      float scale = (float) (magnitude / (end - start));
      scales[b] = scale;
      for (int i = start; i < end; i++) {
        if (residual[i] >= 0) {
          signs[i >>> 3] |= (byte) (1 << (i & 7));
          residual[i] -= scale;
        } else {
          residual[i] += scale;
        }
      }
    }
  }

  /** Decodes a message into {@code into}: entry i is its block's scale, positive or negative. */
  public void decode(Message m, float[] into) {
    byte[] signs = m.signs;
    float[] scales = m.scales;
    for (int b = 0; b < blocks(); b++) {
      float s = scales[b];
      for (int i = blockStarts[b]; i < blockStarts[b + 1]; i++) {
        into[i] = (signs[i >>> 3] & (1 << (i & 7))) != 0 ? s : -s;
      }
    }
  }

  /** The residual: what was added and not sent yet (read-only use). */
  float[] residual() {
    return residual;
  }
}
