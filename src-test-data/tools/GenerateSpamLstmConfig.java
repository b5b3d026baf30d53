import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Writes the architecture the SpamAssassin text model is pre-trained from (src-test-data/models/spam-lstm/):
 * token ids -> embedding 4,000 x 32 -> LSTM 48 -> masked max over time -> softmax over {ham, spam}.
 * java -cp "$(cat driver/target/launcher-classpath.txt)" src-test-data/tools/GenerateSpamLstmConfig.java OUT
 */
public class GenerateSpamLstmConfig {
  public static void main(String[] a) throws Exception {
    MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(42).weightInit(WeightInit.XAVIER)
        .updater(new Adam(2e-3)).list()
        .layer(new EmbeddingSequenceLayer.Builder().nIn(4000).nOut(32).inferInputLength(true).hasBias(false)
            .name("embedding").build())
        .layer(new LSTM.Builder().nIn(32).nOut(48).activation(Activation.TANH).name("lstm").build())
        .layer(new GlobalPoolingLayer.Builder(PoolingType.MAX).name("pool").build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(48).nOut(2)
            .activation(Activation.SOFTMAX).name("output").build())
        .build();
    java.nio.file.Files.writeString(java.nio.file.Path.of(a[0]), c.toJson());
  }
}
