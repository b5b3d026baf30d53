package io.sparktune.eval;

import io.sparktune.data.BatchAssembler;
import io.sparktune.data.FeatureLayout;
import io.sparktune.data.PreparedData;
import io.sparktune.data.Record;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The non-neural baseline every fine-tune is reported beside: Spark MLlib's multinomial logistic
 * regression, trained distributed on the same training examples with the same normalisation (flattened
 * features) and scored on the same validation examples with the same metrics. If fine-tuning a
 * pre-trained network does not beat it, the network is not earning its cost.
 */
public final class LinearBaseline {
  private static final Logger log = LoggerFactory.getLogger(LinearBaseline.class);

  private LinearBaseline() {}

  /** Trains on data.train(), evaluates on data.validation(); returns the metrics map. */
  public static Map<String, Object> fitAndEvaluate(JavaSparkContext sc, PreparedData data, int maxIterations,
      double regularization, int topK, int batchSize) {
    long t0 = System.nanoTime();
    boolean text = data.layout().sequence();
    // token ids carry no order a linear model could use: it gets each text's bag of words instead
    int bagWidth = text ? data.train().map(r -> maxId(r.features())).reduce(Math::max) + 1 : 0;
    org.apache.spark.api.java.function.Function<float[], Vector> features = text ? x -> bagOfWords(x, bagWidth)
        : LinearBaseline::dense;
    BatchAssembler flat = new BatchAssembler(batchSize, data.classes().size(), FeatureLayout.flat(data.layout().size()),
        data.normalizer());
    SparkSession spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
    StructType schema = new StructType().add("label", DataTypes.DoubleType).add("features", SQLDataTypes.VectorType());
    Dataset<Row> train = spark.createDataFrame(rows(data.train(), flat, features), schema).cache();
    LogisticRegressionModel model = new LogisticRegression().setFamily("multinomial").setMaxIter(maxIterations)
        .setRegParam(regularization).setElasticNetParam(0).setStandardization(false).fit(train);
    train.unpersist();
    List<String> classes = List.copyOf(data.classes());
    int numClasses = classes.size();
    ClassificationResult result = data.validation().mapPartitions(part -> {
      ClassificationResult r = new ClassificationResult(classes, topK);
      for (Iterator<List<Record>> it = flat.chunks(part); it.hasNext(); ) {
        DataSet ds = flat.assemble(it.next());
        float[][] x = ds.getFeatures().toFloatMatrix();
        float[][] p = new float[x.length][];
        for (int i = 0; i < x.length; i++) {
          Vector prob = model.predictProbability(features.call(x[i]));
          p[i] = new float[numClasses];
          for (int c = 0; c < numClasses && c < prob.size(); c++) {
            p[i][c] = (float) prob.apply(c);
          }
        }
        r.add(ds.getLabels(), Nd4j.createFromArray(p));
      }
      return List.of(r).iterator();
    }).reduce(ClassificationResult::merge);
    Map<String, Object> m = MetricsReport.toMap(result, classes, topK);
    m.put("model", "Spark MLlib multinomial logistic regression" + (text ? " on bag-of-words token frequencies" : "")
        + ", " + model.summary().totalIterations()
        + " L-BFGS iterations, L2 " + regularization);
    m.put("seconds", (System.nanoTime() - t0) / 1e9);
    log.info("Linear baseline (MLlib logistic regression on the same features): validation accuracy {} ({} s)",
        String.format("%.4f", result.evaluation().accuracy()), String.format("%.1f", (System.nanoTime() - t0) / 1e9));
    return m;
  }

  private static JavaRDD<Row> rows(JavaRDD<Record> records, BatchAssembler flat,
      org.apache.spark.api.java.function.Function<float[], Vector> features) {
    return records.mapPartitions(part -> {
      List<Row> out = new ArrayList<>();
      for (Iterator<List<Record>> it = flat.chunks(part); it.hasNext(); ) {
        DataSet ds = flat.assemble(it.next());
        float[][] x = ds.getFeatures().toFloatMatrix();
        int[] y = ds.getLabels().argMax(1).toIntVector();
        for (int i = 0; i < x.length; i++) {
          out.add(RowFactory.create((double) y[i], features.call(x[i])));
        }
      }
      return out.iterator();
    });
  }

  private static int maxId(float[] ids) {
    int max = 0;
    for (float id : ids) {
      max = Math.max(max, (int) id);
    }
    return max;
  }

  /** Each token id's share of the text's tokens (padding left out; ids the training split never had dropped). */
  private static Vector bagOfWords(float[] ids, int width) {
    java.util.TreeMap<Integer, Double> counts = new java.util.TreeMap<>();
    int n = 0;
    for (float f : ids) {
      int id = (int) f;
      if (id != io.sparktune.text.Vocabulary.PAD_ID && id < width) {
        counts.merge(id, 1.0, Double::sum);
        n++;
      }
    }
    int[] index = counts.keySet().stream().mapToInt(Integer::intValue).toArray();
    double total = Math.max(1, n);
    double[] values = counts.values().stream().mapToDouble(v -> v / total).toArray();
    return org.apache.spark.ml.linalg.Vectors.sparse(width, index, values);
  }

  private static Vector dense(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return Vectors.dense(d);
  }
}
