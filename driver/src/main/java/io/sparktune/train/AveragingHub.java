package io.sparktune.train;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's end of synchronous parameter averaging: training tasks connect over TCP (see
 * {@link AveragingProtocol}), and in every round the hub waits for all tasks of the epoch, computes the
 * example-weighted mean of their states in double precision and sends it back to each. One hub serves a
 * whole run; each epoch is a {@link Session}.
 *
 * <p>A star, not a ring: the driver's link carries 2 x tasks x state per round, which is what the scaling
 * model in the README accounts for. A retried stage (Spark re-runs every task of a barrier stage when one
 * fails) connects with a higher attempt number; the hub then drops the older attempt's connections and
 * starts the session's rounds again.
 *
 * <p>Only this run's tasks are heard: a connection must first prove that it holds the run's key
 * ({@link HubCredential}, a challenge and response bound to session, attempt and task; see
 * {@link AveragingProtocol}). Connections are accepted and their handshakes read by one selector thread, so
 * idle or half-open connections cost a file descriptor, not a thread; a handshake not completed within
 * {@link #HANDSHAKE_MILLIS} is dropped, and beyond {@link #MAX_PENDING} pending handshakes the oldest is.
 * Whatever is refused is counted by reason ({@link Refusals}), logged, and reported with each epoch.
 */
final class AveragingHub implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AveragingHub.class);
  /** How long a connection may take to prove itself. */
  static final int HANDSHAKE_MILLIS = 10_000;
  /** Handshakes in progress at most; a new connection beyond this drops the oldest. */
  static final int MAX_PENDING = 4096;

  /** Why a connection was refused. */
  enum Refusal {
    JUNK("did not speak the hub's protocol"),
    FORGED("could not prove that it belongs to this run"),
    TIMED_OUT("did not complete its handshake in time"),
    OVER_LIMIT("was dropped: more than " + MAX_PENDING + " handshakes were pending"),
    CLOSED_EARLY("closed before completing its handshake");

    final String why;

    Refusal(String why) {
      this.why = why;
    }
  }

  /** Connections refused so far, by reason. */
  record Refusals(long[] byReason) {
    long total() {
      long t = 0;
      for (long n : byReason) {
        t += n;
      }
      return t;
    }

    /** What was refused since {@code earlier}. */
    Refusals since(Refusals earlier) {
      long[] d = byReason.clone();
      for (int i = 0; i < d.length; i++) {
        d[i] -= earlier.byReason[i];
      }
      return new Refusals(d);
    }

    long count(Refusal r) {
      return byReason[r.ordinal()];
    }

    @Override
    public String toString() {
      StringBuilder b = new StringBuilder();
      for (Refusal r : Refusal.values()) {
        if (count(r) > 0) {
          b.append(b.length() > 0 ? ", " : "").append(count(r)).append(' ').append(r.why);
        }
      }
      return b.length() == 0 ? "none" : b.toString();
    }
  }

  private final ServerSocketChannel server;
  private final Selector selector;
  private final byte[] key;
  private final String advertisedHost;
  private final Map<Long, Session> sessions = new ConcurrentHashMap<>();
  private final AtomicLong nextSession = new AtomicLong(1);
  private final List<Socket> open = new ArrayList<>();
  /** Handshakes in progress, oldest first (touched by the selector thread only). */
  private final Map<SocketChannel, Pending> pending = new LinkedHashMap<>();
  private final AtomicLongArray refused = new AtomicLongArray(Refusal.values().length);
  private final long handshakeNanos;
  private volatile boolean closed;

  /**
   * @param bindAddress the address to listen on ("0.0.0.0" for all interfaces)
   * @param port the TCP port, 0 for any free one
   * @param advertisedHost the address tasks connect to
   * @param key the run's key ({@link HubCredential#key()}), which every task must prove it holds
   */
  AveragingHub(String bindAddress, int port, String advertisedHost, byte[] key) {
    this(bindAddress, port, advertisedHost, key, HANDSHAKE_MILLIS);
  }

  /** As above, with the time a connection has to prove itself (tests shorten it). */
  AveragingHub(String bindAddress, int port, String advertisedHost, byte[] key, int handshakeMillis) {
    this.handshakeNanos = handshakeMillis * 1_000_000L;
    try {
      server = ServerSocketChannel.open();
      server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      server.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), port), 256);
      server.configureBlocking(false);
      selector = Selector.open();
      server.register(selector, SelectionKey.OP_ACCEPT);
    } catch (IOException e) {
      throw new IllegalStateException("Cannot open the parameter-averaging hub on " + bindAddress + ":" + port + " ("
          + e.getMessage() + "). Choose a free port with sparktune.training.parameter-averaging.hub-port (0 = any).", e);
    }
    this.key = key.clone();
    this.advertisedHost = advertisedHost;
    Thread acceptor = new Thread(this::select, "sparktune-averaging-hub");
    acceptor.setDaemon(true);
    acceptor.start();
    log.info("Parameter-averaging hub listening on {}:{} (tasks connect to {}:{}; each proves it belongs to this run)",
        bindAddress, port(), advertisedHost, port());
  }

  String host() {
    return advertisedHost;
  }

  int port() {
    return server.socket().getLocalPort();
  }

  /** Connections refused so far. */
  Refusals refusals() {
    long[] r = new long[refused.length()];
    for (int i = 0; i < r.length; i++) {
      r[i] = refused.get(i);
    }
    return new Refusals(r);
  }

  /**
   * What a session's tasks exchange: dense vectors of {@code length} values, or one-bit ones
   * ({@link OneBitEncoder}) laid out in {@code segments}.
   */
  record Payload(byte kind, int length, ExchangedState.Segments segments) {
    static Payload dense(int length) {
      return new Payload(AveragingProtocol.DENSE, length, null);
    }

    static Payload oneBit(ExchangedState.Segments segments) {
      return new Payload(AveragingProtocol.ONE_BIT, segments.total(), segments);
    }
  }

  /**
   * Starts a session (one epoch) for {@code workers} tasks. It ends after the round in which the first task
   * runs out of data, so that no task trains on alone: the epoch's model is always a mean over every task that
   * trained (the others' remaining minibatches are left out, and counted by the tasks). With
   * {@code endAtFirstExhausted} (gradient sharing: every task must apply every round's mean) a task that had
   * no data at all ends it too; without it (parameter averaging) such a task is ignored, and the session ends
   * after the round in which the first task that trained runs out, or when every task is out of data.
   */
  Session open(int workers, boolean endAtFirstExhausted, Payload payload) {
    Session s = new Session(nextSession.getAndIncrement(), workers, endAtFirstExhausted, payload);
    sessions.put(s.id, s);
    return s;
  }

  /** A connection whose handshake is in progress. */
  private static final class Pending {
    final SocketChannel channel;
    final String remote;
    final byte[] challenge = HubCredential.challenge();
    final ByteBuffer toSend = ByteBuffer.allocate(AveragingProtocol.CHALLENGE_BYTES);
    final ByteBuffer hello = ByteBuffer.allocate(AveragingProtocol.HELLO_BYTES);
    final long deadline;

    Pending(SocketChannel channel, long handshakeNanos) {
      this.channel = channel;
      this.deadline = System.nanoTime() + handshakeNanos;
      String r;
      try {
        r = String.valueOf(channel.getRemoteAddress());
      } catch (IOException e) {
        r = "?";
      }
      this.remote = r;
      toSend.putInt(AveragingProtocol.HUB_MAGIC).put(challenge).flip();
    }
  }

  /** The selector thread: accepts connections and reads their handshakes; proven ones go to {@link #serve}. */
  private void select() {
    List<Pending> proven = new ArrayList<>();
    while (!closed) {
      try {
        selector.select(250);
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
          SelectionKey k = keys.next();
          keys.remove();
          if (!k.isValid()) {
            continue;
          }
          if (k.isAcceptable()) {
            acceptAll();
          } else {
            handshake(k, (Pending) k.attachment(), proven);
          }
        }
        expire();
        if (!proven.isEmpty()) {
          selector.selectNow(); // completes the cancellation of the proven channels' keys
          for (Pending p : proven) {
            startServing(p);
          }
          proven.clear();
        }
      } catch (IOException | RuntimeException e) {
        if (!closed) {
          log.warn("Parameter-averaging hub: {}", e.toString());
        }
      }
    }
    for (Pending p : new ArrayList<>(pending.values())) {
      try {
        p.channel.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    pending.clear();
    try {
      selector.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  private void acceptAll() throws IOException {
    SocketChannel ch;
    while ((ch = server.accept()) != null) {
      ch.configureBlocking(false);
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      Pending p = new Pending(ch, handshakeNanos);
      pending.put(ch, p);
      if (pending.size() > MAX_PENDING) {
        Pending oldest = pending.values().iterator().next();
        refuse(oldest, Refusal.OVER_LIMIT);
      }
      ch.write(p.toSend);
      ch.register(selector, p.toSend.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE
          : SelectionKey.OP_READ, p);
    }
  }

  private void handshake(SelectionKey k, Pending p, List<Pending> proven) throws IOException {
    try {
      if (k.isWritable()) {
        p.channel.write(p.toSend);
        if (!p.toSend.hasRemaining()) {
          k.interestOps(SelectionKey.OP_READ);
        }
      }
      if (k.isReadable() && p.channel.read(p.hello) < 0) {
        refuse(p, Refusal.CLOSED_EARLY);
        return;
      }
    } catch (IOException e) {
      refuse(p, Refusal.CLOSED_EARLY);
      return;
    }
    if (p.hello.position() >= 4 && p.hello.getInt(0) != AveragingProtocol.MAGIC) {
      refuse(p, Refusal.JUNK);
    } else if (!p.hello.hasRemaining() && !p.toSend.hasRemaining()) {
      p.hello.flip();
      AveragingProtocol.Hello hello = AveragingProtocol.verify(key, p.challenge, p.hello.duplicate());
      if (hello == null) {
        refuse(p, Refusal.FORGED);
      } else {
        pending.remove(p.channel);
        k.cancel();
        proven.add(p);
      }
    }
  }

  private void expire() {
    long now = System.nanoTime();
    for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
      Pending p = it.next();
      if (now - p.deadline < 0) {
        break; // oldest first: the rest are younger
      }
      it.remove();
      refuse(p, Refusal.TIMED_OUT);
    }
  }

  private void refuse(Pending p, Refusal why) {
    pending.remove(p.channel);
    // counted before the close, so whoever sees the connection end also sees it counted
    long before = refused.getAndIncrement(why.ordinal());
    try {
      p.channel.close();
    } catch (IOException ignored) {
      // refused anyway
    }
    if (before == 0) {
      log.warn("Parameter-averaging hub: a connection from {} {}; refused (further ones are counted, and reported "
          + "with the epoch).", p.remote, why.why);
    } else {
      log.debug("Parameter-averaging hub: a connection from {} {}; refused.", p.remote, why.why);
    }
  }

  private void startServing(Pending p) {
    try {
      p.channel.configureBlocking(true);
    } catch (IOException e) {
      refuse(p, Refusal.CLOSED_EARLY);
      return;
    }
    Socket socket = p.channel.socket();
    synchronized (open) {
      if (closed) {
        refuse(p, Refusal.CLOSED_EARLY);
        return;
      }
      open.add(socket);
    }
    ByteBuffer hello = p.hello.duplicate();
    Thread t = new Thread(() -> serve(socket, p.challenge, hello), "sparktune-averaging-" + p.remote);
    t.setDaemon(true);
    t.start();
  }

  private void serve(Socket socket, byte[] challenge, ByteBuffer helloBytes) {
    try (socket) {
      DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
      DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
      byte[] taskChallenge = AveragingProtocol.taskChallenge(helloBytes.duplicate());
      helloBytes.getInt(); // MAGIC
      AveragingProtocol.Hello hello = AveragingProtocol.Hello.read(helloBytes);
      out.write(AveragingProtocol.hubProof(key, challenge, taskChallenge, hello));
      long id = hello.session();
      int attempt = hello.attempt();
      int worker = hello.worker();
      int workers = hello.workers();
      int length = hello.length();
      Session session = sessions.get(id);
      if (session == null || session.workers != workers || session.length != length || worker < 0
          || worker >= workers) {
        log.warn("Parameter-averaging hub: task {} asked for unknown session {} ({} workers, {} values); refused.",
            worker, id, workers, length);
        out.writeInt(AveragingProtocol.ABORT);
        out.writeBoolean(false);
        out.flush();
        return;
      }
      Attempt a = session.join(attempt, socket);
      if (a == null) {
        out.writeInt(AveragingProtocol.ABORT);
        out.writeBoolean(false);
        out.flush();
        return;
      }
      out.flush();
      byte kind = session.payload.kind();
      float[] dense = kind == AveragingProtocol.DENSE ? new float[length] : null;
      OneBitEncoder.Message oneBit = kind == AveragingProtocol.ONE_BIT ? a.oneBitLayout.newMessage() : null;
      // one-bit: each connection decodes on its own thread, outside the round's lock
      float[] decoded = oneBit != null ? new float[length] : null;
      for (int expected = 0; ; expected++) {
        int round = in.readInt();
        double weight = in.readDouble();
        boolean exhausted = in.readBoolean();
        byte payload = in.readByte();
        if (payload != AveragingProtocol.NONE && payload != kind) {
          log.warn("Parameter-averaging hub: task {} sent payload kind {} to a session of kind {}; the attempt is "
              + "aborted.", worker, payload, kind);
          a.abort();
          return;
        }
        if (round != expected || !Double.isFinite(weight) || weight < 0) {
          log.warn("Parameter-averaging hub: task {} sent round {} with weight {} where round {} with a finite "
              + "weight of at least 0 was due; the attempt is aborted.", worker, round, weight, expected);
          a.abort();
          return;
        }
        boolean sends = payload == kind;
        if (sends && dense != null) {
          AveragingProtocol.readFloats(in, dense, length);
        } else if (sends) {
          AveragingProtocol.readOneBit(in, oneBit);
          a.oneBitLayout.decode(oneBit, decoded);
        }
        Attempt.Outcome o = a.contribute(worker, sends ? weight : 0, exhausted,
            sends ? (dense != null ? dense : decoded) : null);
        out.writeInt(o.status());
        boolean replies = sends && o.hasMean();
        out.writeByte(replies ? kind : AveragingProtocol.NONE);
        if (replies && dense != null) {
          AveragingProtocol.writeFloats(out, o.mean(), length);
        } else if (replies) {
          AveragingProtocol.writeOneBit(out, o.oneBitMean());
        }
        out.flush();
        if (o.status() != AveragingProtocol.CONTINUE) {
          return;
        }
      }
    } catch (IOException | InterruptedException e) {
      if (!closed) {
        log.debug("Parameter-averaging hub: connection {} ended: {}", socket.getRemoteSocketAddress(), e.getMessage());
      }
    } finally {
      synchronized (open) {
        open.remove(socket);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    sessions.values().forEach(Session::close);
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    synchronized (open) {
      for (Socket s : open) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
    }
  }

  /** One epoch's averaging among a fixed number of tasks. */
  final class Session implements AutoCloseable {
    final long id;
    final int workers;
    final int length;
    private final boolean endAtFirstExhausted;
    final Payload payload;
    private Attempt current;

    private Session(long id, int workers, boolean endAtFirstExhausted, Payload payload) {
      this.id = id;
      this.workers = workers;
      this.length = payload.length();
      this.endAtFirstExhausted = endAtFirstExhausted;
      this.payload = payload;
    }

    /** The attempt a task of stage attempt {@code attempt} joins, or null when a newer one already runs. */
    private synchronized Attempt join(int attempt, Socket socket) {
      if (current == null || attempt > current.number) {
        if (current != null) {
          log.warn("Parameter-averaging hub: stage attempt {} of session {} replaces attempt {}; its rounds start over.",
              attempt, id, current.number);
          current.abort();
        }
        current = new Attempt(attempt, workers, endAtFirstExhausted, payload);
      } else if (attempt < current.number) {
        return null;
      }
      current.sockets.add(socket);
      return current;
    }

    /**
     * The attempt whose rounds all finished (for parameter averaging, its {@link Attempt#finalState} is the
     * epoch's result), or null when none did.
     */
    synchronized Attempt completed() {
      return current != null && current.finished ? current : null;
    }

    /** The id tasks send to join this session. */
    long id() {
      return id;
    }

    @Override
    public synchronized void close() {
      if (current != null) {
        current.abort();
      }
      sessions.remove(id);
    }
  }

  /** The rounds of one stage attempt: every task contributes, all wait for the mean. */
  static final class Attempt {
    /** A round's result: the dense mean, or the one-bit one, or neither when no task sent anything. */
    record Outcome(int status, float[] mean, OneBitEncoder.Message oneBitMean) {
      boolean hasMean() {
        return mean != null || oneBitMean != null;
      }
    }

    final int number;
    private final int workers;
    private final boolean endAtFirstExhausted;
    private final double[] sum;
    private final float[][] means = new float[2][];
    /** One-bit sessions: the hub's own encoder of the mean (its residual carries what it has not sent yet). */
    final OneBitEncoder oneBitLayout;
    private final OneBitEncoder.Message[] oneBitMeans;
    /**
     * This round's vectors by task, summed in task order (not arrival order), so that a run's means do not
     * depend on which task arrived first; {@link #NOTHING} for a task that sent none.
     */
    private final float[][] contributions;
    private final double[] weights;
    private int summed;
    private final List<Socket> sockets = new ArrayList<>();
    private double weight;
    private int arrived;
    private int exhausted;
    /** Tasks that ran out of data in this round after sending a state in it. */
    private int exhaustedAfterTraining;
    private long generation;
    private Outcome published;
    private boolean aborted;
    private long firstArrivalNanos;
    private float[] lastMean;
    private boolean anyMean;
    /** The dense mean of the last round once the rounds are over and there was one; null otherwise. */
    volatile float[] finalState;
    /** Whether the rounds are over (every task, or with endAtFirstExhausted the first, ran out of data). */
    volatile boolean finished;
    /** Rounds completed, and the time from the first to the last task's arrival summed over rounds. */
    int rounds;
    long spreadNanos;
    /**
     * What the scaling model needs (see {@code io.sparktune.bench.ScalingModel}): each task's busy time per round
     * (from the previous round's mean being published to the task's arrival with its next contribution, i.e.
     * receiving and applying the mean, computing the round's steps, sending), the hub's own time per round after
     * the last arrival (summing, encoding, publishing), and the rounds' whole durations (publish to publish).
     */
    final RoundTimes times = new RoundTimes();
    private long roundStartNanos = -1;

    Attempt(int number, int workers, boolean endAtFirstExhausted, Payload payload) {
      int length = payload.length();
      boolean oneBit = payload.kind() == AveragingProtocol.ONE_BIT;
      this.number = number;
      this.workers = workers;
      this.endAtFirstExhausted = endAtFirstExhausted;
      this.sum = new double[length];
      this.oneBitLayout = oneBit
          ? new OneBitEncoder(payload.segments().lengths(), payload.segments().blockSizes()) : null;
      this.oneBitMeans = oneBit ? new OneBitEncoder.Message[] {oneBitLayout.newMessage(), oneBitLayout.newMessage()}
          : null;
      this.contributions = new float[workers][];
      this.weights = new double[workers];
    }

    private static final float[] NOTHING = new float[0];

    /**
     * Adds task {@code worker}'s vector ({@code state}, decoded when one-bit; null when it has nothing to send)
     * with weight {@code w} and waits until every task of the round has arrived. The caller keeps
     * {@code state} unchanged until this returns.
     */
    synchronized Outcome contribute(int worker, double w, boolean isExhausted, float[] state)
        throws InterruptedException {
      if (aborted) {
        return new Outcome(AveragingProtocol.ABORT, null, null);
      }
      if (contributions[worker] != null) {
        log.warn("Parameter-averaging hub: task {} sent twice in one round; the attempt is aborted.", worker);
        abort();
        return new Outcome(AveragingProtocol.ABORT, null, null);
      }
      long arrival = System.nanoTime();
      if (arrived == 0) {
        firstArrivalNanos = arrival;
      }
      if (roundStartNanos >= 0 && state != null && w > 0) {
        times.busy(arrival - roundStartNanos);
      }
      contributions[worker] = state != null && w > 0 ? state : NOTHING;
      weights[worker] = w;
      // add what can be added in task order now, so that in-order arrivals are summed while others are awaited
      for (; summed < workers && contributions[summed] != null; summed++) {
        float[] v = contributions[summed];
        if (v != NOTHING) {
          double wk = weights[summed];
          for (int i = 0; i < sum.length; i++) {
            sum[i] += wk * v[i];
          }
          weight += wk;
        }
      }
      exhausted += isExhausted ? 1 : 0;
      exhaustedAfterTraining += isExhausted && state != null && w > 0 ? 1 : 0;
      if (++arrived == workers) {
        publish();
        long end = System.nanoTime();
        times.round(end - arrival, roundStartNanos >= 0 ? end - roundStartNanos : -1);
        roundStartNanos = end;
        return published;
      }
      long g = generation;
      while (g == generation && !aborted) {
        wait();
      }
      return aborted && g == generation ? new Outcome(AveragingProtocol.ABORT, null, null) : published;
    }

    private void publish() {
      float[] mean = null;
      OneBitEncoder.Message oneBitMean = null;
      if (weight > 0) {
        int slot = (int) (generation & 1);
        if (means[slot] == null) {
          means[slot] = new float[sum.length];
        }
        mean = means[slot];
        for (int i = 0; i < sum.length; i++) {
          mean[i] = (float) (sum[i] / weight);
        }
        Arrays.fill(sum, 0);
        if (oneBitLayout != null) {
          oneBitMean = oneBitMeans[slot];
          oneBitLayout.encode(mean, oneBitMean);
          mean = null;
        } else {
          lastMean = mean;
        }
      }
      anyMean |= weight > 0;
      boolean done = endAtFirstExhausted ? exhausted > 0 : exhaustedAfterTraining > 0 || exhausted == workers;
      if (done && lastMean != null) {
        finalState = lastMean.clone();
      }
      finished = done && anyMean;
      published = new Outcome(done ? AveragingProtocol.DONE : AveragingProtocol.CONTINUE, mean, oneBitMean);
      spreadNanos += System.nanoTime() - firstArrivalNanos;
      rounds++;
      weight = 0;
      Arrays.fill(contributions, null);
      summed = 0;
      arrived = 0;
      exhausted = 0;
      exhaustedAfterTraining = 0;
      generation++;
      notifyAll();
    }

    synchronized void abort() {
      aborted = true;
      notifyAll();
      for (Socket s : sockets) {
        try {
          s.close();
        } catch (IOException ignored) {
          // the task sees its connection end
        }
      }
    }
  }
}
