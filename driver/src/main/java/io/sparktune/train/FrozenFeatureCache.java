package io.sparktune.train;

import io.sparktune.data.BatchAssembler;
import io.sparktune.data.FeatureLayout;
import io.sparktune.data.PreparedData;
import io.sparktune.data.Record;
import io.sparktune.io.HadoopFiles;
import io.sparktune.model.Network;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frozen-feature caching: the output of a frozen trunk never changes while the head trains, so it is
 * computed once, in one distributed pass over the training and validation examples, and kept (executor
 * memory and disk, or any Hadoop URI); every epoch then trains and validates only the trainable head on
 * those features, skipping the trunk's forward pass. The head is a network of the layers after the
 * frozen ones (with their input preprocessors and parameters); when training ends its
 * parameters are copied back into the full network, which is what is saved and finally evaluated on the
 * raw data. Applies to a MultiLayerNetwork whose leading layers are frozen.
 *
 * <p>DL4J's TransferLearningHelper does the same in one process, but its head network keeps the full
 * network's input preprocessors at their old indices (a trunk that starts with a CNN-to-dense
 * preprocessor hands it to the head's first layer, which then rejects the features), so the head is
 * built here, with the preprocessors shifted, and the features come from a plain forward pass.
 */
public final class FrozenFeatureCache {
  private static final Logger log = LoggerFactory.getLogger(FrozenFeatureCache.class);

  /**
   * The head to train and its data: trunk outputs as examples, no normalisation (the trunk saw
   * normalised inputs).
   *
   * @param frozenLayers layers of the full network in the trunk
   */
  public record Cached(Network head, PreparedData data, int frozenLayers, FeatureLayout featureLayout, double seconds,
      Broadcast<byte[]> trunk) {
    /**
     * Drops the cached features and the broadcast trunk. Not before: tasks over the cached RDDs carry their
     * lineage, which refers to the broadcast, even when every block is cached.
     */
    public void release() {
      data.train().unpersist();
      data.validation().unpersist();
      trunk.destroy();
    }
  }

  private FrozenFeatureCache() {}

  /** True when the network has a frozen trunk whose output can be cached. */
  public static boolean applies(Network adapted) {
    int frozen = adapted.frozenPrefix();
    return frozen > 0 && frozen < adapted.layers().length;
  }

  /**
   * Runs the trunk once over both splits and returns the head with the cached features.
   *
   * @param cacheUri where to write the features ("" = executor memory, spilling to disk)
   */
  public static Cached build(JavaSparkContext sc, Network adapted, PreparedData data, int batchSize, String cacheUri) {
    long t0 = System.nanoTime();
    int frozen = adapted.frozenPrefix();
    Network head = head(adapted.multiLayer(), frozen);
    Broadcast<byte[]> model = io.sparktune.eval.DistributedEvaluator.broadcast(sc, adapted);
    BatchAssembler assembler = data.assembler(batchSize);
    JavaRDD<Record> train = store(featurize(data.train(), model, assembler), cacheUri, "train");
    JavaRDD<Record> validation = store(featurize(data.validation(), model, assembler), cacheUri, "validation");
    long trainCount = train.count();
    long validationCount = validation.count();
    Record first = train.first();
    INDArray probe = trunkOutput(adapted.multiLayer(), frozen,
        data.assembler(1).assemble(List.of(data.train().first())));
    FeatureLayout layout = probe.rank() == 4
        ? FeatureLayout.image(new int[] {(int) probe.size(1), (int) probe.size(2), (int) probe.size(3)}, false)
        : FeatureLayout.flat(first.features().length);
    PreparedData cached = new PreparedData(train, validation, trainCount, validationCount, data.classes(), layout,
        null, null, data.targetScale(), data.fingerprint());
    double secs = (System.nanoTime() - t0) / 1e9;
    log.info("Frozen-feature cache: layers 0..{} frozen, their output ({}, {} values per example) computed once "
        + "for {} + {} examples in {} s{}; each epoch trains only the {} head layers ({} parameters).", frozen - 1,
        layout, first.features().length, trainCount, validationCount, String.format("%.1f", secs),
        cacheUri.isBlank() ? "" : ", stored at " + cacheUri, head.layers().length, head.numParams());
    return new Cached(head, cached, frozen, layout, secs, model);
  }

  /** The full network with the trained head's parameters copied into the layers after the trunk. */
  public static Network merge(Network adapted, Network trainedHead, int frozenLayers) {
    Network full = adapted.copy();
    MultiLayerNetwork f = full.multiLayer();
    Layer[] headLayers = trainedHead.layers();
    for (int i = 0; i < headLayers.length; i++) {
      if (headLayers[i].numParams() > 0) {
        f.getLayer(frozenLayers + i).setParams(headLayers[i].params().dup());
      }
    }
    return full;
  }

  /** A network of layers {@code frozen..} with their configurations, preprocessors (re-indexed) and parameters. */
  static Network head(MultiLayerNetwork full, int frozen) {
    MultiLayerConfiguration orig = full.getLayerWiseConfigurations();
    List<NeuralNetConfiguration> confs = new ArrayList<>();
    Map<Integer, InputPreProcessor> pre = new HashMap<>();
    for (int i = frozen; i < full.getnLayers(); i++) {
      confs.add(orig.getConf(i).clone());
      InputPreProcessor p = orig.getInputPreProcess(i);
      if (p != null) {
        pre.put(i - frozen, p.clone());
      }
    }
    MultiLayerConfiguration conf = new MultiLayerConfiguration.Builder().confs(confs).inputPreProcessors(pre)
        .backpropType(orig.getBackpropType()).dataType(orig.getDataType()).build();
    MultiLayerNetwork head = new MultiLayerNetwork(conf);
    head.init();
    for (int i = 0; i < head.getnLayers(); i++) {
      if (head.getLayer(i).numParams() > 0) {
        head.getLayer(i).setParams(full.getLayer(frozen + i).params().dup());
      }
    }
    return new Network(head);
  }

  /** The output of the last frozen layer for a batch of (normalised) inputs. */
  /** The last frozen layer's output for a minibatch, its features mask (token sequences) applied. */
  static INDArray trunkOutput(MultiLayerNetwork full, int frozen, org.nd4j.linalg.dataset.DataSet batch) {
    full.setMask(batch.getFeaturesMaskArray());
    try {
      List<INDArray> activations = full.feedForwardToLayer(frozen - 1, batch.getFeatures(), false);
      return activations.get(activations.size() - 1);
    } finally {
      full.setMask(null);
    }
  }

  private static JavaRDD<Record> featurize(JavaRDD<Record> records, Broadcast<byte[]> model, BatchAssembler assembler) {
    return records.mapPartitions(part -> {
      List<Record> out = new ArrayList<>();
      if (!part.hasNext()) {
        return out.iterator();
      }
      MultiLayerNetwork net = Network.restore(model.value(), false).multiLayer();
      int frozen = new Network(net).frozenPrefix();
      for (Iterator<List<Record>> it = assembler.chunks(part); it.hasNext(); ) {
        List<Record> chunk = it.next();
        INDArray f = trunkOutput(net, frozen, assembler.assemble(chunk));
        float[][] rows = f.reshape('c', f.size(0), f.length() / f.size(0)).toFloatMatrix();
        for (int i = 0; i < rows.length; i++) {
          out.add(chunk.get(i).withFeatures(rows[i]));
        }
      }
      return out.iterator();
    });
  }

  private static JavaRDD<Record> store(JavaRDD<Record> features, String cacheUri, String name) {
    if (cacheUri.isBlank()) {
      return features.persist(StorageLevel.MEMORY_AND_DISK_SER());
    }
    String dir = cacheUri.replaceAll("/+$", "") + "/" + name;
    HadoopFiles.delete(HadoopFiles.path(dir));
    features.saveAsObjectFile(dir);
    return features.context().<Record>objectFile(dir, features.getNumPartitions(),
        scala.reflect.ClassTag$.MODULE$.apply(Record.class)).toJavaRDD();
  }
}
