package io.sparktune.data;

import io.sparktune.BadInputException;
import io.sparktune.io.HadoopFiles;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/** Image folders: one sub-folder per class holding PNG/JPEG files, read with Spark's binaryFiles. */
public final class ImageFolderSource implements DataSource {
  private final int channels;
  private final int height;
  private final int width;

  public ImageFolderSource(int channels, int height, int width) {
    this.channels = channels;
    this.height = height;
    this.width = width;
  }

  @Override
  public List<String> discoverClasses(JavaSparkContext sc, String uri, String labelsUri) {
    Path root = HadoopFiles.path(uri);
    if (!HadoopFiles.exists(root)) {
      throw new BadInputException("The image folder '" + uri + "' does not exist.");
    }
    List<String> classes = new ArrayList<>();
    for (FileStatus s : HadoopFiles.list(root)) {
      if (s.isDirectory() && !s.getPath().getName().startsWith(".")) {
        requireSomeFile(s.getPath(), uri);
        classes.add(s.getPath().getName());
      }
    }
    if (classes.isEmpty()) {
      throw new BadInputException("The image folder '" + uri + "' has no class sub-folders (one per class).");
    }
    classes.sort(null);
    return classes;
  }

  /**
   * An empty class folder would silently add a class with no examples (support 0, ROC-AUC NaN, a head one
   * output wider): refused, naming it.
   */
  private static void requireSomeFile(Path classDir, String uri) {
    try {
      RemoteIterator<LocatedFileStatus> files = HadoopFiles.fs(classDir).listFiles(classDir, true);
      while (files.hasNext()) {
        String name = files.next().getPath().getName();
        if (!name.startsWith(".") && !name.startsWith("_")) {
          return;
        }
      }
    } catch (IOException e) {
      throw new BadInputException("Cannot list the class folder '" + classDir + "': " + e.getMessage(), e);
    }
    throw new BadInputException("The class folder '" + classDir.getName() + "' of the image folder '" + uri
        + "' holds no images; add its examples or remove it (an empty folder would add a class with none).");
  }

  @Override
  public JavaRDD<Record> read(JavaSparkContext sc, String uri, String labelsUri, List<String> classes) {
    discoverClasses(sc, uri, labelsUri);
    ImageDecoder decoder = new ImageDecoder(channels, height, width);
    List<String> cls = List.copyOf(classes);
    String glob = HadoopFiles.path(uri).toString().replaceAll("/+$", "") + "/*/*";
    return sc.binaryFiles(glob).map(f -> {
      Path p = new Path(f._1());
      String label = p.getParent().getName();
      int idx = cls.indexOf(label);
      if (idx < 0) {
        throw new BadInputException("Image '" + f._1() + "' is in folder '" + label
            + "', which is not in the class set " + cls + ".");
      }
      return new Record(decoder.decode(f._2().toArray(), f._1()), idx, f._1());
    });
  }

  @Override
  public int[] imageDims(JavaSparkContext sc, String uri) {
    return new int[] {channels, height, width};
  }
}
