import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Writes src-test-data/models/dl4j-tabular-mlp/mlp-10-32-16-1.json: java -cp "$(cat driver/target/launcher-classpath.txt)" GenerateTabularMlpConfig.java OUT */
public class GenerateTabularMlpConfig {
  public static void main(String[] a) throws Exception {
    MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(42).weightInit(WeightInit.XAVIER)
        .updater(new Adam(1e-3)).list()
        .layer(new DenseLayer.Builder().nIn(10).nOut(32).activation(Activation.RELU).name("hidden_1").build())
        .layer(new DenseLayer.Builder().nIn(32).nOut(16).activation(Activation.RELU).name("hidden_2").build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(16).nOut(1).activation(Activation.IDENTITY).name("output").build())
        .build();
    java.nio.file.Files.writeString(java.nio.file.Path.of(a[0]), c.toJson());
  }
}
