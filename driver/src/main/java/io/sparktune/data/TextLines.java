package io.sparktune.data;

import io.sparktune.BadInputException;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The lines of text files, read on the executors one file at a time and streamed: a file is never held
 * whole in memory, so files of any size can be read by executors with little heap (Spark's wholeTextFiles
 * holds each file as one string). Files are decompressed by their extension (Hadoop's codecs: .gz, .bz2,
 * .deflate) or, whatever their name, when they start with gzip's magic bytes; decoded as UTF-8 without a
 * leading byte-order mark; and every line keeps its file and 1-based number for error messages.
 */
public final class TextLines {
  private TextLines() {}

  /** One line of a file; {@code number} is 1-based. */
  public record Line(String file, long number, String text) implements Serializable {}

  /** Turns the lines of one file, in order, into records (lazily: it is handed an iterator). */
  @FunctionalInterface
  public interface FileParser<T> extends Serializable {
    Iterator<T> parse(String file, Iterator<Line> lines);
  }

  /**
   * @param path a file, a directory of files or a glob, as Spark's file inputs take it (names starting
   *     with "." or "_" are skipped)
   */
  public static <T> JavaRDD<T> parse(JavaSparkContext sc, String path, FileParser<T> parser) {
    // several partitions per core (Spark packs files into splits of total / minPartitions bytes, at least
    // spark.files.openCostInBytes and at most spark.files.maxPartitionBytes): cached partitions small
    // enough for executor storage memory, and an even load
    return sc.binaryFiles(path, 4 * sc.defaultParallelism())
        .flatMap(f -> parser.parse(f._1(), open(f._1(), f._2().open())));
  }

  /** Every line of every file at {@code path}. */
  public static JavaRDD<Line> lines(JavaSparkContext sc, String path) {
    return parse(sc, path, (file, lines) -> lines);
  }

  /**
   * A reader of one text file as every sparktune reader sees it: decompressed by extension or by gzip's magic
   * bytes, UTF-8 without a byte-order mark. The one place where a text file's bytes become characters.
   */
  public static BufferedReader reader(String file, InputStream raw) {
    try {
      CompressionCodec codec = new CompressionCodecFactory(new Configuration()).getCodec(new Path(file));
      InputStream in = new BufferedInputStream(codec == null ? raw : codec.createInputStream(raw), 1 << 16);
      if (codec == null && startsWith(in, 0x1f, 0x8b)) {
        in = new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
      }
      if (startsWith(in, 0xef, 0xbb, 0xbf)) {
        in.skipNBytes(3);
      }
      return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    } catch (IOException e) {
      closeQuietly(raw);
      throw new BadInputException("Cannot read '" + file + "': " + e.getMessage(), e);
    }
  }

  private static boolean startsWith(InputStream in, int... bytes) throws IOException {
    in.mark(bytes.length);
    try {
      for (int b : bytes) {
        if (in.read() != b) {
          return false;
        }
      }
      return true;
    } finally {
      in.reset();
    }
  }

  /** The lines of one open file; closes the stream at its end, or when the task ends first. */
  static Iterator<Line> open(String file, InputStream raw) {
    BufferedReader reader = reader(file, raw);
    TaskContext task = TaskContext.get();
    if (task != null) {
      task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) t -> closeQuietly(reader));
    }
    return new Iterator<>() {
      private long number;
      private String next = advance();

      private String advance() {
        try {
          String line = reader.readLine();
          if (line == null) {
            reader.close();
          }
          return line;
        } catch (IOException e) {
          closeQuietly(reader);
          throw new BadInputException("Cannot read '" + file + "' after line " + number + ": " + e.getMessage(), e);
        }
      }

      @Override
      public boolean hasNext() {
        return next != null;
      }

      @Override
      public Line next() {
        if (next == null) {
          throw new NoSuchElementException();
        }
        Line line = new Line(file, ++number, next);
        next = advance();
        return line;
      }
    };
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // a stream that was only read: closing it cannot lose anything
    }
  }
}
