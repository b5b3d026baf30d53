package io.sparktune.job;

import io.sparktune.io.HadoopFiles;
import io.sparktune.io.Json;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lock on any Hadoop URI that one process holds while it works: a retrain of one model
 * ({@code RetrainJob}), or any command writing one output directory ({@link OutputLock}), so two never run
 * at once. The lock is a sequence of generations, one file each, created without overwrite:
 *
 * <pre>
 * DIR/000004.json        the holder of generation 4 (host, pid, user, purpose, since)
 * DIR/000004.heartbeat   rewritten by the holder every heartbeat (its time in ms)
 * DIR/000004.released    written when the holder let go
 * </pre>
 *
 * The newest generation is the lock. It is free when released, or when its heartbeat is older than
 * stale-after (the holder died), or at once when its holder was a process on this host that no longer runs; a taker then creates the next generation, and only one of several
 * concurrent takers can create it (on HDFS and local disks; S3 in Hadoop 3.3 checks and writes in two
 * steps, so there two takers in the same instant could both win). A holder that finds a newer
 * generation than its own (it paused longer than stale-after and was taken over) has lost the lock and
 * must not change anything shared: {@link #held()} says so.
 */
public final class DirectoryLock implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DirectoryLock.class);

  /** Thrown when another live process holds the lock. */
  public static final class HeldException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    HeldException(String message) {
      super(message);
    }
  }

  private final Path dir;
  private final String what;
  private final int generation;
  private final ScheduledExecutorService heartbeats;
  private volatile boolean lost;

  private DirectoryLock(Path dir, String what, int generation, Duration heartbeat) {
    this.dir = dir;
    this.what = what;
    this.generation = generation;
    beat();
    heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "lock-heartbeat " + dir.getName());
      t.setDaemon(true);
      return t;
    });
    heartbeats.scheduleWithFixedDelay(this::beatUnlessTakenOver, heartbeat.toMillis(), heartbeat.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /**
   * Takes the lock in {@code dirUri}, or throws {@link HeldException} naming the live holder.
   *
   * @param what what holders do, for messages ("retrain", "run")
   * @param purpose what this holder does (shown to whoever finds the lock held)
   * @param staleAfterKey the setting that decides {@code staleAfter}, named in the refusal (or a sentence)
   */
  public static DirectoryLock acquire(String dirUri, String what, String purpose, Duration heartbeat,
      Duration staleAfter, String staleAfterKey) {
    Path dir = HadoopFiles.path(dirUri);
    int newest = newestGeneration(dir);
    if (newest > 0 && !HadoopFiles.exists(file(dir, newest, "released"))) {
      Map<String, Object> holder = readHolder(dir, newest);
      long age = System.currentTimeMillis() - lastBeat(dir, newest, holder);
      if (holderGone(holder)) {
        log.warn("Taking over the {} lock {}: {}, which no longer runs on this host.", what,
            file(dir, newest, "json"), describe(holder));
      } else if (age < staleAfter.toMillis()) {
        throw new HeldException("Another " + what + " holds the lock " + file(dir, newest, "json") + ": "
            + describe(holder) + ", last heartbeat " + age / 1000 + " s ago. Nothing was done; it is taken over only "
            + "when its heartbeat is older than " + staleAfterKey + " (" + staleAfter.toSeconds() + " s).");
      } else {
        log.warn("Taking over the stale {} lock {} ({}; last heartbeat {} s ago, stale after {} s).", what,
            file(dir, newest, "json"), describe(holder), age / 1000, staleAfter.toSeconds());
      }
    }
    int mine = newest + 1;
    Map<String, Object> me = new LinkedHashMap<>();
    me.put("host", host());
    me.put("pid", ProcessHandle.current().pid());
    me.put("user", System.getProperty("user.name"));
    me.put("purpose", purpose);
    me.put("since", Instant.now().toString());
    Path claim = file(dir, mine, "json");
    try {
      HadoopFiles.createNew(claim, Json.write(me));
    } catch (FileAlreadyExistsException e) {
      throw new HeldException("Another " + what + " took the lock " + claim + " at the same moment; nothing was done.");
    }
    lifecycle(what, "{} lock {} taken ({}).", capitalised(what), claim, describe(me));
    return new DirectoryLock(dir, what, mine, heartbeat);
  }

  /** Whether the holder was a process of this host that has ended (a killed run): no need to wait for staleness. */
  private static boolean holderGone(Map<String, Object> holder) {
    return host().equals(holder.get("host")) && holder.get("pid") instanceof Number pid
        && pid.longValue() != ProcessHandle.current().pid() && ProcessHandle.of(pid.longValue()).isEmpty();
  }

  /** Taken and released: news for a retrain (INFO), routine for every run's output lock (DEBUG). */
  private static void lifecycle(String what, String format, Object... args) {
    if (what.equals("run")) {
      log.debug(format, args);
    } else {
      log.info(format, args);
    }
  }

  private static String capitalised(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  /** Whether this process still holds the lock (no newer generation exists). */
  public boolean held() {
    if (!lost && newestGeneration(dir) > generation) {
      lost = true;
      log.error("The {} lock {} was taken over by generation {}: this {} paused longer than the lock's stale-after "
          + "and must not change shared state.", what, file(dir, generation, "json"), newestGeneration(dir), what);
    }
    return !lost;
  }

  /** Stops the heartbeat and lets the lock go (if still held). */
  @Override
  public void close() {
    heartbeats.shutdownNow();
    if (held()) {
      HadoopFiles.writeString(file(dir, generation, "released"), Instant.now().toString());
      lifecycle(what, "{} lock {} released.", capitalised(what), file(dir, generation, "json"));
    }
  }

  private void beatUnlessTakenOver() {
    try {
      if (held()) {
        beat();
      }
    } catch (RuntimeException e) {
      log.warn("Could not write the {} lock's heartbeat (will try again): {}", what, e.getMessage());
    }
  }

  private void beat() {
    HadoopFiles.writeString(file(dir, generation, "heartbeat"), Long.toString(System.currentTimeMillis()));
  }

  private static int newestGeneration(Path dir) {
    int newest = 0;
    for (FileStatus s : HadoopFiles.list(dir)) {
      String name = s.getPath().getName();
      if (name.matches("\\d{6}\\.json")) {
        newest = Math.max(newest, Integer.parseInt(name.substring(0, 6)));
      }
    }
    return newest;
  }

  private static Map<String, Object> readHolder(Path dir, int generation) {
    try {
      return Json.readMap(HadoopFiles.readString(file(dir, generation, "json"), "lock"));
    } catch (RuntimeException e) {
      return Map.of(); // half-written by a holder that died while creating it: judged by its age alone
    }
  }

  /** The holder's last sign of life: its heartbeat (the file's time if caught mid-write), else its claim. */
  private static long lastBeat(Path dir, int generation, Map<String, Object> holder) {
    Path beat = file(dir, generation, "heartbeat");
    Path evidence = HadoopFiles.exists(beat) ? beat : file(dir, generation, "json");
    try {
      if (evidence == beat) {
        return Long.parseLong(HadoopFiles.readString(beat, "lock heartbeat").trim());
      }
      if (holder.get("since") instanceof String since) {
        return Instant.parse(since).toEpochMilli();
      }
    } catch (RuntimeException e) {
      // caught mid-write or unreadable: the file's own time says when it was last written
    }
    try {
      return HadoopFiles.fs(evidence).getFileStatus(evidence).getModificationTime();
    } catch (IOException e) {
      return 0;
    }
  }

  private static String describe(Map<String, Object> holder) {
    return holder.isEmpty() ? "holder unknown (its lock file is unreadable)"
        : "held by " + holder.get("user") + " on " + holder.get("host") + " (pid " + holder.get("pid") + ") since "
            + holder.get("since") + " for " + holder.get("purpose");
  }

  private static Path file(Path dir, int generation, String kind) {
    return new Path(dir, String.format("%06d.%s", generation, kind));
  }

  private static String host() {
    String name = ManagementFactory.getRuntimeMXBean().getName(); // pid@host
    int at = name.indexOf('@');
    return at >= 0 ? name.substring(at + 1) : "unknown";
  }
}
