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
    int width = data.layout().size();
    BatchAssembler flat = new BatchAssembler(batchSize, data.classes().size(), FeatureLayout.flat(width),
        data.normalizer());
    SparkSession spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
    StructType schema = new StructType().add("label", DataTypes.DoubleType).add("features", SQLDataTypes.VectorType());
    Dataset<Row> train = spark.createDataFrame(rows(data.train(), flat), schema).cache();
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
          Vector prob = model.predictProbability(dense(x[i]));
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
    m.put("model", "Spark MLlib multinomial logistic regression, " + model.summary().totalIterations()
        + " L-BFGS iterations, L2 " + regularization);
    m.put("seconds", (System.nanoTime() - t0) / 1e9);
    log.info("Linear baseline (MLlib logistic regression on the same features): validation accuracy {} ({} s)",
        String.format("%.4f", result.evaluation().accuracy()), String.format("%.1f", (System.nanoTime() - t0) / 1e9));
    return m;
  }

  private static JavaRDD<Row> rows(JavaRDD<Record> records, BatchAssembler flat) {
    return records.mapPartitions(part -> {
      List<Row> out = new ArrayList<>();
      for (Iterator<List<Record>> it = flat.chunks(part); it.hasNext(); ) {
        DataSet ds = flat.assemble(it.next());
        float[][] x = ds.getFeatures().toFloatMatrix();
        int[] y = ds.getLabels().argMax(1).toIntVector();
        for (int i = 0; i < x.length; i++) {
          out.add(RowFactory.create((double) y[i], dense(x[i])));
        }
      }
      return out.iterator();
    });
  }

  private static Vector dense(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return Vectors.dense(d);
  }
}
