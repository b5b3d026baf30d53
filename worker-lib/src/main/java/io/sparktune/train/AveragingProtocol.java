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
 * hub -> task, on accept: int HUB_MAGIC, byte[32] hub challenge
 * task -> hub, once:      int MAGIC, long session, int attempt, int worker, int workers, int length,
 *                         byte[32] task challenge, byte[32] HMAC(key, "task", both challenges, the header)
 * hub -> task, once:      byte[32] HMAC(key, "hub", both challenges, the header), only when the task's
 *                         proof holds; otherwise the hub closes the connection
 * task -> hub, per round: int round, double weight, boolean exhausted, byte payload, [vector]
 * hub -> task, per round: int status, byte payload, [vector]
 * payload NONE: no vector; DENSE: length floats; ONE_BIT: ceil(length / 8) bytes of sign bits, then one
 *         float per block ({@link OneBitEncoder})
 * </pre>
 * A task sends its state (and receives the weighted mean, in the same form) only while it still has data;
 * once exhausted it sends weight 0 without a payload until the hub answers {@link #DONE}.
 *
 * <p>The handshake binds a connection to the run (the key, {@link HubCredential}), the epoch's session, the
 * stage attempt and the task; fresh challenges on both sides make a recorded handshake useless on another
 * connection, and the key never travels. Rounds then follow in order on that connection, and the hub drops a
 * connection whose round number or weight is not what a task of the run sends.
 */
public final class AveragingProtocol {
  private AveragingProtocol() {}

  public static final int MAGIC = 0x5370_4132; // "SpA2": the authenticated protocol
  public static final int HUB_MAGIC = 0x5370_4148; // "SpAH"
  public static final int NONCE_BYTES = 32;
  public static final int MAC_BYTES = 32;
  /** The header's fields after MAGIC: session, attempt, worker, workers, length. */
  public static final int HEADER_BYTES = 8 + 4 * 4;
  /** What the hub sends on accept. */
  public static final int CHALLENGE_BYTES = 4 + NONCE_BYTES;
  /** What a task sends once it has the hub's challenge. */
  public static final int HELLO_BYTES = 4 + HEADER_BYTES + NONCE_BYTES + MAC_BYTES;
  private static final byte[] TASK = {'t', 'a', 's', 'k'};
  private static final byte[] HUB = {'h', 'u', 'b'};

  /** What a task says about itself when it connects. */
  public record Hello(long session, int attempt, int worker, int workers, int length) {
    public byte[] bytes() {
      return ByteBuffer.allocate(HEADER_BYTES).putLong(session).putInt(attempt).putInt(worker).putInt(workers)
          .putInt(length).array();
    }

    public static Hello read(ByteBuffer b) {
      return new Hello(b.getLong(), b.getInt(), b.getInt(), b.getInt(), b.getInt());
    }
  }

  /** The task's proof that it holds the run's key, for this connection's challenges and header. */
  public static byte[] taskProof(byte[] key, byte[] hubChallenge, byte[] taskChallenge, Hello hello) {
    return HubCredential.hmac(key, TASK, hubChallenge, taskChallenge, hello.bytes());
  }

  /** The hub's proof that it holds the run's key: a task never sends its state to anyone else. */
  public static byte[] hubProof(byte[] key, byte[] hubChallenge, byte[] taskChallenge, Hello hello) {
    return HubCredential.hmac(key, HUB, hubChallenge, taskChallenge, hello.bytes());
  }

  /** A task's hello: MAGIC, the header, its challenge and its proof. */
  public static byte[] hello(byte[] key, byte[] hubChallenge, byte[] taskChallenge, Hello hello) {
    return ByteBuffer.allocate(HELLO_BYTES).putInt(MAGIC).put(hello.bytes()).put(taskChallenge)
        .put(taskProof(key, hubChallenge, taskChallenge, hello)).array();
  }

  /**
   * Checks a hello read in full ({@link #HELLO_BYTES}) against the hub's challenge: the header when the
   * proof holds, or null (also for bytes that do not start with MAGIC).
   */
  public static Hello verify(byte[] key, byte[] hubChallenge, ByteBuffer helloBytes) {
    if (helloBytes.getInt() != MAGIC) {
      return null;
    }
    Hello hello = Hello.read(helloBytes);
    byte[] taskChallenge = new byte[NONCE_BYTES];
    byte[] proof = new byte[MAC_BYTES];
    helloBytes.get(taskChallenge).get(proof);
    return HubCredential.same(proof, taskProof(key, hubChallenge, taskChallenge, hello)) ? hello : null;
  }

  /** The task's challenge inside a verified hello's bytes. */
  public static byte[] taskChallenge(ByteBuffer helloBytes) {
    byte[] c = new byte[NONCE_BYTES];
    helloBytes.get(4 + HEADER_BYTES, c);
    return c;
  }
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
