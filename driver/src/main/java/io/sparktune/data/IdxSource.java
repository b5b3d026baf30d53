package io.sparktune.data;

import io.sparktune.BadInputException;
import io.sparktune.io.HadoopFiles;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.input.PortableDataStream;
import scala.Tuple2;

/** MNIST-style IDX image and label files, read on an executor with Spark's binaryFiles. */
public final class IdxSource implements DataSource {

  @Override
  public List<String> discoverClasses(JavaSparkContext sc, String uri, String labelsUri) {
    int max = read(sc, uri, labelsUri, List.of()).map(Record::label).reduce(Math::max);
    return IntStream.rangeClosed(0, max).mapToObj(Integer::toString).toList();
  }

  @Override
  public JavaRDD<Record> read(JavaSparkContext sc, String uri, String labelsUri, List<String> classes) {
    HadoopFiles.requireReadable(HadoopFiles.path(uri), "IDX images file (data)");
    HadoopFiles.requireReadable(HadoopFiles.path(labelsUri), "IDX labels file (data)");
    String images = HadoopFiles.path(uri).toString();
    String labels = HadoopFiles.path(labelsUri).toString();
    int numClasses = classes.size();
    return sc.binaryFiles(images + "," + labels, 1).coalesce(1).mapPartitions(files -> {
      IdxFiles.Idx img = null;
      IdxFiles.Idx lab = null;
      while (files.hasNext()) {
        Tuple2<String, PortableDataStream> f = files.next();
        try (InputStream in = f._2().open()) {
          IdxFiles.Idx idx = IdxFiles.read(in, f._1());
          if (f._1().equals(images) || (img == null && idx.dims().length > 1)) {
            img = idx;
          } else {
            lab = idx;
          }
        }
      }
      if (img == null || lab == null) {
        throw new BadInputException("Could not read both IDX files '" + images + "' and '" + labels + "'.");
      }
      return IdxFiles.recordIterator(img, lab, new org.apache.hadoop.fs.Path(images).getName(), numClasses);
    });
  }

  @Override
  public int[] imageDims(JavaSparkContext sc, String uri) {
    try (InputStream in = HadoopFiles.open(HadoopFiles.path(uri), "IDX images file")) {
      java.io.DataInputStream header = new java.io.DataInputStream(
          uri.endsWith(".gz") ? new java.util.zip.GZIPInputStream(in) : in);
      int magic = header.readInt();
      int ndim = magic & 0xFF;
      List<Integer> dims = new ArrayList<>();
      for (int i = 0; i < ndim; i++) {
        dims.add(header.readInt());
      }
      if (ndim == 3) {
        return new int[] {1, dims.get(1), dims.get(2)};
      }
      return null;
    } catch (java.io.IOException e) {
      throw new BadInputException("Cannot read the header of IDX file '" + uri + "': " + e.getMessage(), e);
    }
  }
}
