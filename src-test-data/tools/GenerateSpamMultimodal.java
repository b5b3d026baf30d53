import java.io.File;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Builds the two-input spam model (src-test-data/models/spam-multimodal/model.zip): input "tokens" -> the
 * pre-trained spam LSTM's embedding, LSTM and max pooling (weights copied from models/spam-lstm), input
 * "numbers" (the six message features of *-features.jsonl.gz) -> dense 6 -> 8 (ReLU, seeded Xavier), both
 * merged into a softmax over {ham, spam} whose text half starts as the LSTM's own output layer and whose
 * numeric half starts at zero, so the untrained graph classifies exactly as the text model does.
 * java -cp "$(cat driver/target/launcher-classpath.txt)" src-test-data/tools/GenerateSpamMultimodal.java OUT.zip
 */
public class GenerateSpamMultimodal {
  public static void main(String[] a) throws Exception {
    MultiLayerNetwork text = ModelSerializer.restoreMultiLayerNetwork(new File("src-test-data/models/spam-lstm/model.zip"));
    ComputationGraphConfiguration c = new NeuralNetConfiguration.Builder().seed(42).weightInit(WeightInit.XAVIER)
        .updater(new Adam(2e-3)).graphBuilder()
        .addInputs("tokens", "numbers")
        .addLayer("embedding", new EmbeddingSequenceLayer.Builder().nIn(4000).nOut(32).inferInputLength(true)
            .hasBias(false).build(), "tokens")
        .addLayer("lstm", new LSTM.Builder().nIn(32).nOut(48).activation(Activation.TANH).build(), "embedding")
        .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), "lstm")
        .addLayer("meta", new DenseLayer.Builder().nIn(6).nOut(8).activation(Activation.RELU).build(), "numbers")
        .addVertex("merge", new MergeVertex(), "pool", "meta")
        .addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(56).nOut(2)
            .activation(Activation.SOFTMAX).build(), "merge")
        .setOutputs("output")
        .build();
    ComputationGraph g = new ComputationGraph(c);
    g.init();
    g.getLayer("embedding").setParam("W", text.getLayer(0).getParam("W"));
    for (String p : new String[] {"W", "RW", "b"}) {
      g.getLayer("lstm").setParam(p, text.getLayer(1).getParam(p));
    }
    INDArray w = g.getLayer("output").getParam("W");
    w.assign(0);
    w.get(NDArrayIndex.interval(0, 48), NDArrayIndex.all()).assign(text.getLayer(3).getParam("W"));
    g.getLayer("output").setParam("b", text.getLayer(3).getParam("b"));
    ModelSerializer.writeModel(g, new File(a[0]), false);
  }
}
