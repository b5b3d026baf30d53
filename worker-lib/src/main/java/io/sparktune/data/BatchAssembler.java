package io.sparktune.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Groups records into normalised minibatch DataSets with one-hot labels, lazily, so a partition is
 * never materialised twice.
 */
public final class BatchAssembler implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int batchSize;
  private final int numClasses;
  private final FeatureLayout layout;
  private final DataNormalization normalizer;
  private final TargetScale targetScale;

  /**
   * @param batchSize examples per DataSet; the last batch of a partition may be smaller
   * @param numClasses width of the one-hot label vector
   * @param layout the shape the network wants
   * @param normalizer applied to every batch; null for none
   */
  public BatchAssembler(int batchSize, int numClasses, FeatureLayout layout, DataNormalization normalizer) {
    this(batchSize, numClasses, layout, normalizer, null);
  }

  /**
   * @param targetScale for regression: labels are each record's standardised target, [n, 1]; null for
   *     classification (one-hot labels)
   */
  public BatchAssembler(int batchSize, int numClasses, FeatureLayout layout, DataNormalization normalizer,
      TargetScale targetScale) {
    this.batchSize = batchSize;
    this.numClasses = targetScale != null ? 1 : numClasses;
    this.layout = layout;
    this.normalizer = normalizer;
    this.targetScale = targetScale;
  }

  /** The regression target scale, or null for classification. */
  public TargetScale targetScale() {
    return targetScale;
  }

  public FeatureLayout layout() {
    return layout;
  }

  public DataSet assemble(List<Record> records) {
    int n = records.size();
    int size = layout.size();
    float[] flat = new float[n * size];
    float[] labels = new float[n * numClasses];
    for (int i = 0; i < n; i++) {
      Record r = records.get(i);
      if (r.features().length != size) {
        throw new io.sparktune.BadInputException(
            "Example " + r.origin() + " has " + r.features().length + " features but the model input is a "
                + layout + ".");
      }
      System.arraycopy(r.features(), 0, flat, i * size, size);
      if (targetScale != null) {
        labels[i] = targetScale.scale(r.target());
      } else {
        labels[i * numClasses + r.label()] = 1f;
      }
    }
    INDArray features;
    if (layout.image() && layout.channelsLast()) {
      // records are channel-major; NHWC wants the channel innermost
      features = Nd4j.createFromArray(flat).reshape(n, layout.channels(), layout.height(), layout.width())
          .permute(0, 2, 3, 1).dup('c');
    } else {
      features = Nd4j.createFromArray(flat).reshape(layout.batchShape(n));
    }
    DataSet ds = new DataSet(features, Nd4j.createFromArray(labels).reshape(n, numClasses));
    if (layout.sequence()) {
      ds.setFeaturesMaskArray(tokenMask(flat, n, size, layout.width()));
    }
    if (normalizer != null) {
      normalizer.transform(ds);
    }
    return ds;
  }

  /**
   * 1 where a sequence holds a token, 0 on padding (id 0), shape [n, length]: the first {@code length} of
   * each row of {@code size} values (numeric features after the tokens are not masked).
   */
  private static INDArray tokenMask(float[] rows, int n, int size, int length) {
    float[] mask = new float[n * length];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < length; k++) {
        mask[i * length + k] = rows[i * size + k] != io.sparktune.text.Vocabulary.PAD_ID ? 1f : 0f;
      }
    }
    return Nd4j.createFromArray(mask).reshape(n, length);
  }

  public Iterator<DataSet> batches(Iterator<Record> records) {
    Iterator<List<Record>> chunks = chunks(records);
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return chunks.hasNext();
      }

      @Override
      public DataSet next() {
        return assemble(chunks.next());
      }
    };
  }

  /** The records in groups of at most batchSize, for callers that need each batch's records too. */
  public Iterator<List<Record>> chunks(Iterator<Record> records) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return records.hasNext();
      }

      @Override
      public List<Record> next() {
        if (!records.hasNext()) {
          throw new NoSuchElementException();
        }
        List<Record> chunk = new ArrayList<>(batchSize);
        while (records.hasNext() && chunk.size() < batchSize) {
          chunk.add(records.next());
        }
        return chunk;
      }
    };
  }
}
