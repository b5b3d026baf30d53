package io.sparktune.train;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.function.BooleanSupplier;

/**
 * A training task's connection to the driver's averaging hub (see {@link AveragingProtocol}).
 *
 * <p>Reads wait in slices of {@code pollMillis} and give up as soon as {@code cancelled} says so, so a task
 * that Spark kills (a stalled or cancelled job, a failed peer in the barrier stage) does not stay blocked
 * on the socket.
 */
public final class AveragingClient implements Closeable {
  private final Socket socket;
  private final DataInputStream in;
  private final DataOutputStream out;
  private final BooleanSupplier cancelled;
  private final int length;
  private int round;
  private long bytesSent;
  private long bytesReceived;
  private boolean receivedMean;

  private AveragingClient(Socket socket, BooleanSupplier cancelled, int length) throws IOException {
    this.socket = socket;
    this.cancelled = cancelled;
    this.length = length;
    this.in = new DataInputStream(new BufferedInputStream(new CancellableInput(), 1 << 16));
    this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
  }

  /**
   * Connects, proves that this task belongs to the run (and checks that the other end is the run's hub), and
   * introduces it: epoch session, stage attempt, worker index, worker count, state length.
   *
   * @param key the run's key ({@link HubCredential#key()})
   */
  public static AveragingClient connect(String host, int port, byte[] key, long epoch, int attempt, int worker,
      int workers, int length, BooleanSupplier cancelled) throws IOException {
    Socket s = new Socket();
    try {
      s.connect(new InetSocketAddress(host, port), 60_000);
      s.setTcpNoDelay(true);
      s.setSoTimeout(POLL_MILLIS);
      AveragingClient c = new AveragingClient(s, cancelled, length);
      if (c.in.readInt() != AveragingProtocol.HUB_MAGIC) {
        throw new IOException("the other end does not speak the averaging hub's protocol");
      }
      byte[] hubChallenge = new byte[AveragingProtocol.NONCE_BYTES];
      c.in.readFully(hubChallenge);
      byte[] mine = HubCredential.challenge();
      AveragingProtocol.Hello hello = new AveragingProtocol.Hello(epoch, attempt, worker, workers, length);
      c.out.write(AveragingProtocol.hello(key, hubChallenge, mine, hello));
      c.out.flush();
      byte[] proof = new byte[AveragingProtocol.MAC_BYTES];
      c.in.readFully(proof);
      if (!HubCredential.same(proof, AveragingProtocol.hubProof(key, hubChallenge, mine, hello))) {
        throw new IOException("the other end could not prove that it is this run's hub");
      }
      return c;
    } catch (IOException e) {
      s.close();
      throw new IOException("Cannot reach the driver's averaging hub at " + host + ":" + port + " (" + e.getMessage()
          + "). Executors must be able to open TCP connections to the driver; set "
          + "sparktune.training.parameter-averaging.hub-address / hub-port if the driver's default address or a random "
          + "port is not reachable.", e);
    }
  }

  private static final int POLL_MILLIS = 1000;

  /**
   * One averaging round: sends this task's state with its weight (examples trained since the last round;
   * {@code state} null when there are none) and, when it has state, receives the weighted mean of all
   * tasks into {@code mean}.
   *
   * @return {@link AveragingProtocol#CONTINUE} or {@link AveragingProtocol#DONE}
   */
  public int exchange(double weight, boolean exhausted, float[] state, float[] mean) throws IOException {
    header(weight, exhausted, state != null ? AveragingProtocol.DENSE : AveragingProtocol.NONE);
    if (state != null) {
      AveragingProtocol.writeFloats(out, state, length);
      bytesSent += 4L * length;
    }
    out.flush();
    int status = status();
    if (in.readByte() == AveragingProtocol.DENSE) {
      AveragingProtocol.readFloats(in, mean, length);
      bytesReceived += 4L * length;
    }
    return status;
  }

  /**
   * One round with a one-bit vector ({@link OneBitEncoder}): sends {@code mine} with its weight (null
   * when this task has nothing to send) and, when it sent one, receives the hub's compressed mean into
   * {@code mean}.
   *
   * @return {@link AveragingProtocol#CONTINUE} or {@link AveragingProtocol#DONE}; whether a mean arrived is
   *     {@link #receivedMean()}
   */
  public int exchange(double weight, boolean exhausted, OneBitEncoder.Message mine, OneBitEncoder.Message mean)
      throws IOException {
    header(weight, exhausted, mine != null ? AveragingProtocol.ONE_BIT : AveragingProtocol.NONE);
    if (mine != null) {
      bytesSent += AveragingProtocol.writeOneBit(out, mine);
    }
    out.flush();
    int status = status();
    receivedMean = in.readByte() == AveragingProtocol.ONE_BIT;
    if (receivedMean) {
      bytesReceived += AveragingProtocol.readOneBit(in, mean);
    }
    return status;
  }

  /** Whether the last one-bit round returned a mean. */
  public boolean receivedMean() {
    return receivedMean;
  }

  private void header(double weight, boolean exhausted, byte payload) throws IOException {
    out.writeInt(round++);
    out.writeDouble(weight);
    out.writeBoolean(exhausted);
    out.writeByte(payload);
    bytesSent += 14;
  }

  private int status() throws IOException {
    int status = in.readInt();
    bytesReceived += 5;
    if (status == AveragingProtocol.ABORT) {
      throw new IOException("The averaging hub ended this training attempt (a newer attempt of the stage started, "
          + "or the driver is shutting down).");
    }
    return status;
  }

  public long bytesSent() {
    return bytesSent;
  }

  public long bytesReceived() {
    return bytesReceived;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** The socket's input, read in timed slices so a cancelled task stops waiting. */
  private final class CancellableInput extends java.io.InputStream {
    private final java.io.InputStream raw;

    CancellableInput() throws IOException {
      this.raw = socket.getInputStream();
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      while (true) {
        try {
          int n = raw.read(b, off, len);
          if (n < 0) {
            throw new IOException("The driver's averaging hub closed the connection (the driver stopped or "
                + "this attempt was abandoned).");
          }
          return n;
        } catch (SocketTimeoutException e) {
          if (cancelled.getAsBoolean()) {
            throw new IOException("The training task was cancelled while waiting for an averaging round.");
          }
        }
      }
    }
  }
}
