package io.sparktune.data;

import io.sparktune.BadInputException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST (LeCun et al.), gzipped or not.
 *
 * <p>Only unsigned-byte payloads (type 0x08) are accepted, which is what every MNIST-style image and
 * label file uses.
 */
public final class IdxFiles {
  private IdxFiles() {}

  /** The dimensions and unsigned-byte payload of one IDX file. */
  public record Idx(int[] dims, byte[] data) {
    public int count() {
      return dims[0];
    }

    public int itemSize() {
      int s = 1;
      for (int i = 1; i < dims.length; i++) {
        s *= dims[i];
      }
      return s;
    }
  }

  public static Idx read(InputStream raw, String name) {
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(maybeGunzip(raw), 1 << 16))) {
      int magic = in.readInt();
      int type = (magic >> 8) & 0xFF;
      int ndim = magic & 0xFF;
      if ((magic >>> 16) != 0 || type != 0x08 || ndim < 1 || ndim > 4) {
        throw new BadInputException(
            "'" + name + "' is not an unsigned-byte IDX file (magic number 0x"
                + Integer.toHexString(magic) + "; expected 0x0801..0x0804).");
      }
      int[] dims = new int[ndim];
      long total = 1;
      for (int i = 0; i < ndim; i++) {
        dims[i] = in.readInt();
        total *= dims[i];
      }
      if (total > Integer.MAX_VALUE) {
        throw new BadInputException("'" + name + "' is too large to read as one IDX file.");
      }
      byte[] data = new byte[(int) total];
      try {
        in.readFully(data);
      } catch (java.io.EOFException e) {
        throw new BadInputException(
            "'" + name + "' is truncated: its header announces " + total + " bytes of data.", e);
      }
      return new Idx(dims, data);
    } catch (IOException e) {
      throw new BadInputException("'" + name + "' cannot be read as an IDX file: " + e.getMessage(), e);
    }
  }

  /** Writes an unsigned-byte IDX file (gzipped when {@code gzip}), the inverse of {@link #read}. */
  public static void write(Idx idx, java.io.OutputStream raw, boolean gzip) throws IOException {
    java.io.OutputStream target = gzip ? new java.util.zip.GZIPOutputStream(raw, 1 << 16) : raw;
    java.io.DataOutputStream out = new java.io.DataOutputStream(new java.io.BufferedOutputStream(target, 1 << 16));
    out.writeInt(0x0800 | idx.dims().length);
    for (int d : idx.dims()) {
      out.writeInt(d);
    }
    out.write(idx.data());
    out.flush();
    if (gzip) {
      ((java.util.zip.GZIPOutputStream) target).finish();
    }
  }

  /** The items at {@code indices}, in that order, as a new IDX of the same item shape. */
  public static Idx select(Idx idx, int[] indices) {
    int size = idx.itemSize();
    int[] dims = idx.dims().clone();
    dims[0] = indices.length;
    byte[] data = new byte[indices.length * size];
    for (int i = 0; i < indices.length; i++) {
      System.arraycopy(idx.data(), indices[i] * size, data, i * size, size);
    }
    return new Idx(dims, data);
  }

  private static InputStream maybeGunzip(InputStream raw) throws IOException {
    BufferedInputStream in = new BufferedInputStream(raw);
    in.mark(2);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    return (b1 == 0x1f && b2 == 0x8b) ? new GZIPInputStream(in, 1 << 16) : in;
  }

  /** Pairs an image file with its label file into records, checking that they agree. */
  public static List<Record> records(Idx images, Idx labels, String imagesName, int numClasses) {
    List<Record> out = new ArrayList<>(images.count());
    recordIterator(images, labels, imagesName, numClasses).forEachRemaining(out::add);
    return out;
  }

  /**
   * The same, made one at a time as they are consumed: only the files' bytes stay in memory (one byte per
   * pixel), not every decoded example (four bytes per pixel).
   */
  public static java.util.Iterator<Record> recordIterator(Idx images, Idx labels, String imagesName,
      int numClasses) {
    if (images.count() != labels.count()) {
      throw new BadInputException(
          "'" + imagesName + "' holds " + images.count() + " images but its label file holds "
              + labels.count() + " labels; they must match.");
    }
    int size = images.itemSize();
    return new java.util.Iterator<>() {
      private int i;

      @Override
      public boolean hasNext() {
        return i < images.count();
      }

      @Override
      public Record next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        float[] f = new float[size];
        int base = i * size;
        for (int j = 0; j < size; j++) {
          f[j] = images.data()[base + j] & 0xFF;
        }
        int label = labels.data()[i] & 0xFF;
        String origin = imagesName + "#" + i;
        if (numClasses > 0 && label >= numClasses) {
          throw new BadInputException(
              "Example " + origin + " has label " + label + ", outside the class set [0, "
                  + numClasses + "). Set data.num-classes or fix the label file.");
        }
        i++;
        return new Record(f, label, origin);
      }
    };
  }
}
