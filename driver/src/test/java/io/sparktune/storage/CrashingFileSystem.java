package io.sparktune.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;
import org.apache.hadoop.util.ReflectionUtils;

/**
 * A real FileSystem (local, HDFS, S3A: named by {@code sparktune.crash.inner.<scheme>}) through which a
 * process can be made to die at a chosen point: after a number of operations and written bytes. At that
 * point the bytes due so far reach the real file system (flushed where it can), the stream is abandoned
 * unclosed (an S3 object is never committed, an HDFS file stays under construction), and every later call
 * fails, as for a process killed there. Register with {@code fs.<scheme>.impl}.
 */
public class CrashingFileSystem extends FilterFileSystem {
  /** Whether the process has "died", and how many operations and written bytes it has left until it does. */
  static final class Crash {
    static volatile boolean dead;
    static volatile long operationsLeft = Long.MAX_VALUE;
    static volatile long bytesLeft = Long.MAX_VALUE;
    static volatile long operations;
    static volatile long bytes;

    /** Dies before operation number {@code operations} or at byte {@code bytes}, whichever comes first. */
    static synchronized void arm(long operationsBeforeCrash, long bytesBeforeCrash) {
      dead = false;
      operationsLeft = operationsBeforeCrash;
      bytesLeft = bytesBeforeCrash;
      operations = 0;
      bytes = 0;
    }

    static void disarm() {
      arm(Long.MAX_VALUE, Long.MAX_VALUE);
    }

    static synchronized void operation(String what) throws IOException {
      alive();
      if (--operationsLeft < 0) {
        dead = true;
        throw new IOException("injected crash before " + what);
      }
      operations++;
    }

    /** How many of {@code len} bytes may still be written (fewer: the process dies after them). */
    static synchronized long write(long len) throws IOException {
      alive();
      long allowed = Math.min(len, bytesLeft);
      bytesLeft -= allowed;
      bytes += allowed;
      return allowed;
    }

    static void alive() throws IOException {
      if (dead) {
        throw new IOException("the process crashed (injected)");
      }
    }
  }

  @Override
  public void initialize(URI name, Configuration conf) throws IOException {
    Class<? extends FileSystem> inner = conf.getClass("sparktune.crash.inner." + name.getScheme(), null,
        FileSystem.class);
    FileSystem real = ReflectionUtils.newInstance(inner, conf);
    real.initialize(name, conf);
    this.fs = real;
    super.initialize(name, conf);
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    Crash.operation("create " + f);
    FSDataOutputStream real = fs.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
    return new FSDataOutputStream(new Dying(real), statistics);
  }

  @Override
  public boolean delete(Path f, boolean recursive) throws IOException {
    Crash.operation("delete " + f);
    return fs.delete(f, recursive);
  }

  @Override
  public boolean mkdirs(Path f, FsPermission permission) throws IOException {
    Crash.operation("mkdirs " + f);
    return fs.mkdirs(f, permission);
  }

  @Override
  public FSDataInputStream open(Path f, int bufferSize) throws IOException {
    Crash.alive();
    return fs.open(f, bufferSize);
  }

  @Override
  public FileStatus getFileStatus(Path f) throws IOException {
    Crash.alive();
    return fs.getFileStatus(f);
  }

  @Override
  public FileStatus[] listStatus(Path f) throws IOException {
    Crash.alive();
    return fs.listStatus(f);
  }

  /** Passes bytes through until the crash point; then flushes what got through and abandons the stream. */
  private static final class Dying extends OutputStream {
    private final FSDataOutputStream real;

    Dying(FSDataOutputStream real) {
      this.real = real;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      long allowed = Crash.write(len);
      real.write(b, off, (int) allowed);
      if (allowed < len) {
        try {
          real.hflush(); // the worst case for a reader: the partial bytes are visible
        } catch (IOException | UnsupportedOperationException e) {
          // S3A keeps them in its buffer: nothing visible, as with a real crash
        }
        Crash.dead = true;
        throw new IOException("injected crash after " + allowed + " of " + len + " bytes");
      }
    }

    @Override
    public void close() throws IOException {
      Crash.operation("closing the stream"); // for S3 the commit: a crash here leaves no object
      real.close();
    }
  }
}
