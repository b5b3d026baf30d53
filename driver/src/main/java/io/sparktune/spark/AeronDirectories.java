package io.sparktune.spark;

import io.aeron.CncFileDescriptor;
import io.aeron.CommonContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the Aeron media-driver directories that JVMs which died during DL4J's gradient sharing left behind.
 *
 * <p>Each JVM that takes part in gradient sharing starts an Aeron media driver in its own directory,
 * {@code aeron-USER-UUID} in /dev/shm on Linux, holding hundreds of MB of log buffers. A JVM that ends
 * without shutting its driver down (an executor killed by SIGKILL, a container limit, a stuck task)
 * leaves the directory in memory-backed /dev/shm for good; on a machine that keeps running jobs they
 * accumulate until Aeron cannot allocate a new log ("insufficient usable storage ... in /dev/shm") and
 * gradient sharing hangs (seen here: 278 directories, 23 of 24 GB). A directory is stale when the driver
 * process named in its command-and-control file (cnc.dat) no longer runs, Aeron's own liveness check
 * ({@link CommonContext#isDriverActive}: the driver's heartbeat) finds no driver either, and no file in it
 * changed for {@code minAgeMs}; only those are removed.
 */
public final class AeronDirectories {
  private static final Logger log = LoggerFactory.getLogger(AeronDirectories.class);
  /** How long without a driver heartbeat makes a driver dead (Aeron's default driver timeout is 10 s). */
  static final long DRIVER_TIMEOUT_MS = 10_000;
  /** A directory younger than this may belong to a driver that is still starting. */
  static final long MIN_AGE_MS = 60_000;

  private AeronDirectories() {}

  /** What a sweep removed. */
  public record Removed(int directories, long bytes) {}

  /** Removes the stale directories beside this JVM's default Aeron directory; logs what it freed. */
  public static Removed removeStale(String where) {
    Path defaultDir = Path.of(CommonContext.AERON_DIR_PROP_DEFAULT);
    Path parent = defaultDir.getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      return new Removed(0, 0);
    }
    try {
      Removed r = removeStale(parent, defaultDir.getFileName() + "-", DRIVER_TIMEOUT_MS, MIN_AGE_MS);
      if (r.directories() > 0) {
        log.info("{}: removed {} stale Aeron director{} ({} MiB) from {}, left by JVMs that died during gradient "
            + "sharing", where, r.directories(), r.directories() == 1 ? "y" : "ies", r.bytes() >> 20, parent);
      }
      return r;
    } catch (RuntimeException e) {
      log.warn("{}: could not check {} for stale Aeron directories: {}", where, parent, e.getMessage());
      return new Removed(0, 0);
    }
  }

  /** Removes the directories in {@code parent} named {@code prefix...} that no live media driver uses. */
  static Removed removeStale(Path parent, String prefix, long driverTimeoutMs, long minAgeMs) {
    List<Path> candidates;
    try (Stream<Path> files = Files.list(parent)) {
      candidates = files.filter(p -> p.getFileName().toString().startsWith(prefix) && Files.isDirectory(p)).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int dirs = 0;
    long bytes = 0;
    for (Path dir : candidates) {
      if (isLive(dir, driverTimeoutMs) || youngerThan(dir, minAgeMs)) {
        continue;
      }
      long size = sizeOf(dir);
      if (deleteTree(dir)) {
        dirs++;
        bytes += size;
      }
    }
    return new Removed(dirs, bytes);
  }

  /**
   * Whether a media driver may still use {@code dir}: its process (the PID in cnc.dat) still runs here, or its
   * heartbeat is recent (a driver in another PID namespace sharing /dev/shm). A cnc.dat that is missing,
   * short or still at version 0 belongs to no driver that got going; the age check protects one starting.
   */
  static boolean isLive(Path dir, long driverTimeoutMs) {
    Path cnc = dir.resolve(CncFileDescriptor.CNC_FILE);
    ByteBuffer header = ByteBuffer.allocate(CncFileDescriptor.META_DATA_LENGTH);
    try (FileChannel ch = FileChannel.open(cnc, StandardOpenOption.READ)) {
      while (header.hasRemaining() && ch.read(header) > 0) {
        // read the metadata block
      }
    } catch (IOException e) {
      return false;
    }
    if (header.hasRemaining()) {
      return false;
    }
    header.flip();
    UnsafeBuffer meta = CncFileDescriptor.createMetaDataBuffer(header);
    if (meta.getInt(CncFileDescriptor.cncVersionOffset(0)) == 0) {
      return false;
    }
    long pid = meta.getLong(CncFileDescriptor.pidOffset(0));
    if (pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      return true;
    }
    try {
      return CommonContext.isDriverActive(dir.toFile(), driverTimeoutMs, message -> {});
    } catch (RuntimeException e) {
      return true; // another Aeron version's layout: not ours to judge
    }
  }

  private static boolean youngerThan(Path dir, long ms) {
    long now = System.currentTimeMillis();
    try (Stream<Path> files = Files.walk(dir)) {
      return files.anyMatch(p -> {
        try {
          FileTime t = Files.getLastModifiedTime(p);
          return now - t.toMillis() < ms;
        } catch (IOException e) {
          return true;
        }
      });
    } catch (IOException | UncheckedIOException e) {
      return true;
    }
  }

  private static long sizeOf(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }

  private static boolean deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      return false;
    }
    return !Files.exists(dir);
  }
}
