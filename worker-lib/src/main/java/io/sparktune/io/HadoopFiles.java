package io.sparktune.io;

import io.sparktune.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Small helpers over Hadoop's FileSystem so every path in sparktune may be file://, hdfs://, s3a:// or a
 * plain local path.
 *
 * <p>Nothing here relies on rename: writers create the final file directly, and commit protocols that
 * need atomicity (checkpoints, finished runs) write a small marker file last.
 */
public final class HadoopFiles {
  /**
   * Hadoop client settings whose defaults let a call wait forever or for a quarter of an hour: an RPC with no
   * answer (a NameNode address that accepts connections but never replies) waits indefinitely
   * ({@code ipc.client.rpc-timeout.ms = 0}), and a connect that times out is retried 45 times. sparktune sets
   * these unless the user did (in {@code sparktune.spark.conf} as {@code spark.hadoop.*}, or in Hadoop's own
   * files); {@code SparkContexts} passes them to the executors.
   */
  public static final Map<String, String> TIMEOUTS = Map.of(
      "ipc.client.rpc-timeout.ms", "60000",
      "ipc.client.connect.timeout", "20000",
      "ipc.client.connect.max.retries.on.timeouts", "3",
      "ipc.client.connect.max.retries", "3");

  private static volatile Configuration defaultConf = withTimeouts(new Configuration());

  private HadoopFiles() {}

  /** Uses the given Hadoop configuration (e.g. the SparkContext's) for all later file access. */
  public static void useConfiguration(Configuration conf) {
    defaultConf = withTimeouts(conf);
  }

  /** Sets each of {@link #TIMEOUTS} that only Hadoop's own defaults (core-default.xml) set so far. */
  private static Configuration withTimeouts(Configuration conf) {
    TIMEOUTS.forEach((key, value) -> {
      String[] sources = conf.getPropertySources(key);
      if (sources == null || Arrays.stream(sources).allMatch(s -> s.endsWith("-default.xml"))) {
        conf.set(key, value, "sparktune (HadoopFiles.TIMEOUTS)");
      }
    });
    return conf;
  }

  /** The Hadoop configuration file access uses now. */
  public static Configuration configuration() {
    return defaultConf;
  }

  /** Resolves a user path: a bare local path becomes an absolute file: URI. */
  public static Path path(String uri) {
    URI parsed = URI.create(uri.replace(" ", "%20"));
    if (parsed.getScheme() == null) {
      return new Path(new java.io.File(uri).getAbsoluteFile().toURI());
    }
    return new Path(parsed);
  }

  public static Path child(String base, String name) {
    return new Path(path(base), name);
  }

  public static FileSystem fs(Path p) {
    try {
      return p.getFileSystem(defaultConf);
    } catch (IllegalArgumentException e) {
      if (e.getCause() instanceof java.net.UnknownHostException) {
        throw new BadInputException("Cannot reach '" + p + "': the host '" + p.toUri().getHost() + "' is unknown; "
            + "check the URI's host name.", e);
      }
      throw e;
    } catch (IOException e) {
      throw new BadInputException("Cannot open a file system for '" + p + "': " + e.getMessage(), e);
    }
  }

  public static boolean exists(Path p) {
    try {
      return fs(p).exists(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Opens a file for reading, failing with a clear message when it is missing or unreadable. */
  public static InputStream open(Path p, String what) {
    try {
      return fs(p).open(p);
    } catch (java.io.FileNotFoundException e) {
      throw new BadInputException("The " + what + " '" + p + "' does not exist.", e);
    } catch (IOException e) {
      throw new BadInputException("The " + what + " '" + p + "' cannot be read: " + e.getMessage(), e);
    }
  }

  public static void requireReadable(Path p, String what) {
    try (InputStream ignored = open(p, what)) {
      // opened: readable
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Fails with a clear message, before any work is done, when directory {@code dir} could not be created
   * or written: its nearest existing ancestor is a file, or denies this user write access.
   */
  public static void requireWritableDirectory(Path dir, String what) {
    FileSystem fs = fs(dir);
    try {
      Path p = dir;
      while (p != null && !fs.exists(p)) {
        p = p.getParent();
      }
      if (p == null) {
        return; // nothing exists, not even the root (an empty bucket): creating will tell
      }
      if (!fs.getFileStatus(p).isDirectory()) {
        throw new BadInputException("Cannot write the " + what + " '" + dir + "': '" + p + "' is a file, not a "
            + "directory.");
      }
      fs.access(p, org.apache.hadoop.fs.permission.FsAction.WRITE);
    } catch (org.apache.hadoop.security.AccessControlException e) {
      throw new BadInputException("Cannot write the " + what + " '" + dir + "': permission denied ("
          + e.getMessage().lines().findFirst().orElse("") + "). Choose another location or ask for write access.",
          e);
    } catch (UnsupportedOperationException e) {
      // a file system without permission checks (some object stores): writing will tell
    } catch (IOException e) {
      throw new BadInputException("Cannot reach the " + what + " '" + dir + "': " + e.getMessage(), e);
    }
  }

  public static OutputStream create(Path p) {
    try {
      return fs(p).create(p, true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write '" + p + "': " + e.getMessage(), e);
    }
  }

  /**
   * Creates {@code p} with {@code content} only if it does not exist yet, or throws Hadoop's
   * FileAlreadyExistsException: the create-if-absent that locks and alias moves build on. Atomic on HDFS
   * (the NameNode decides) and on local disks (the operating system's exclusive create; Hadoop's local
   * file system checks and creates in two steps, so two processes could both succeed there). S3A in
   * Hadoop 3.3 also checks and writes in two steps.
   */
  public static void createNew(Path p, String content) throws org.apache.hadoop.fs.FileAlreadyExistsException {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    FileSystem fs = fs(p);
    try {
      if (fs instanceof org.apache.hadoop.fs.LocalFileSystem || fs instanceof org.apache.hadoop.fs.RawLocalFileSystem) {
        java.io.File file = fs instanceof org.apache.hadoop.fs.LocalFileSystem l ? l.pathToFile(p)
            : ((org.apache.hadoop.fs.RawLocalFileSystem) fs).pathToFile(p);
        java.nio.file.Path local = file.toPath();
        Files.createDirectories(local.getParent());
        try (OutputStream out = Files.newOutputStream(local, java.nio.file.StandardOpenOption.CREATE_NEW,
            java.nio.file.StandardOpenOption.WRITE)) {
          out.write(bytes);
        } catch (java.nio.file.FileAlreadyExistsException e) {
          throw new org.apache.hadoop.fs.FileAlreadyExistsException(p + " already exists");
        }
        return;
      }
      try (OutputStream out = fs.create(p, false)) {
        out.write(bytes);
      }
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write '" + p + "': " + e.getMessage(), e);
    }
  }

  public static void writeString(Path p, String content) {
    try (OutputStream out = create(p)) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write '" + p + "': " + e.getMessage(), e);
    }
  }

  /**
   * As {@link #writeString}, readable and writable by the owner only (0600): for files that record a run's
   * configuration (config.conf, provenance.json, checkpoint manifests). Secrets are redacted from them before
   * they are written; the permission is a second line for what a redaction rule does not know about.
   */
  public static void writePrivateString(Path p, String content) {
    FileSystem fs = fs(p);
    try (OutputStream out = fs.create(p, new FsPermission((short) 0600), true,
        fs.getConf().getInt("io.file.buffer.size", 4096), fs.getDefaultReplication(p), fs.getDefaultBlockSize(p),
        null)) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write '" + p + "': " + e.getMessage(), e);
    }
  }

  public static String readString(Path p, String what) {
    try (InputStream in = open(p, what)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static byte[] readBytes(Path p, String what) {
    try (InputStream in = open(p, what)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void delete(Path p) {
    try {
      fs(p).delete(p, true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete '" + p + "': " + e.getMessage(), e);
    }
  }

  /** Lists the direct children of a directory; an absent directory has none. */
  public static List<FileStatus> list(Path dir) {
    try {
      FileSystem fs = fs(dir);
      if (!fs.exists(dir)) {
        return List.of();
      }
      return new ArrayList<>(List.of(fs.listStatus(dir)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Copies a file from any Hadoop file system to a local temporary file (for APIs that need a java.io.File). */
  public static java.io.File copyToLocalTemp(Path p, String what) {
    try (InputStream in = open(p, what)) {
      java.io.File tmp = Files.createTempFile("sparktune-", "-" + p.getName()).toFile();
      tmp.deleteOnExit();
      Files.copy(in, tmp.toPath(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      return tmp;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
