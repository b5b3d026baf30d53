package io.sparktune.train;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The wire format between training tasks and the driver's averaging hub (plain TCP, big-endian headers,
 * little-endian float payloads).
 *
 * <pre>
 * task -> hub, once:      int MAGIC, long epoch, int attempt, int worker, int workers, int length
 * task -> hub, per round: int round, double weight, boolean exhausted, byte payload, [vector]
 * hub -> task, per round: int status, byte payload, [vector]
 * payload NONE: no vector; DENSE: length floats; ONE_BIT: ceil(length / 8) bytes of sign bits, then one
 *         float per block ({@link OneBitEncoder})
 * </pre>
 * A task sends its state (and receives the weighted mean, in the same form) only while it still has data;
 * once exhausted it sends weight 0 without a payload until the hub answers {@link #DONE}.
 */
public final class AveragingProtocol {
  private AveragingProtocol() {}

  public static final int MAGIC = 0x5370_4176; // "SpAv"
  /** More rounds follow. */
  public static final int CONTINUE = 1;
  /** Every task is out of data: the epoch is over. */
  public static final int DONE = 2;
  /** A newer attempt of the stage took over, or the hub is shutting down. */
  public static final int ABORT = 3;

  /** Payload kinds. */
  public static final byte NONE = 0;
  public static final byte DENSE = 1;
  public static final byte ONE_BIT = 2;

  /** Writes a one-bit vector. Returns the bytes written. */
  public static long writeOneBit(DataOutputStream out, OneBitEncoder.Message m) throws IOException {
    out.write(m.signs);
    writeFloats(out, m.scales, m.scales.length);
    return m.signs.length + 4L * m.scales.length;
  }

  /** Reads a one-bit vector into {@code into} (of the sender's layout). Returns the bytes read. */
  public static long readOneBit(DataInputStream in, OneBitEncoder.Message into) throws IOException {
    in.readFully(into.signs);
    readFloats(in, into.scales, into.scales.length);
    return into.signs.length + 4L * into.scales.length;
  }

  private static final int CHUNK = 1 << 16;

  /** Writes {@code n} floats as little-endian bytes. */
  public static void writeFloats(DataOutputStream out, float[] values, int n) throws IOException {
    byte[] bytes = new byte[Math.max(4, Math.min(CHUNK, n * 4))];
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; ) {
      int m = Math.min(bytes.length / 4, n - i);
      buf.clear();
      buf.asFloatBuffer().put(values, i, m);
      out.write(bytes, 0, m * 4);
      i += m;
    }
  }

  /** Reads {@code n} little-endian floats into {@code into}. */
  public static void readFloats(DataInputStream in, float[] into, int n) throws IOException {
    byte[] bytes = new byte[Math.max(4, Math.min(CHUNK, n * 4))];
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; ) {
      int m = Math.min(bytes.length / 4, n - i);
      in.readFully(bytes, 0, m * 4);
      buf.clear();
      buf.asFloatBuffer().get(into, i, m);
      i += m;
    }
  }
}
