package io.sparktune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.config.TrainingSettings;
import io.sparktune.model.Network;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The averaging hub under attack during a real run (Spark local[2] with {@code spark.authenticate=true}, so
 * the tasks' key derives from Spark's own secret): a thousand idle connections, forged handshakes for every
 * plausible session with "task" messages of weight 1e30 behind them, and junk, all while two barrier tasks
 * train two epochs of real Fashion-MNIST minibatches. The attacked run must end bit-identical to an undisturbed
 * one, and the refusals must be counted.
 */
class HubSecurityIT {
  private static JavaSparkContext sc;
  private static List<DataSet> batches;

  @BeforeAll
  static void start() throws Exception {
    sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("HubSecurityIT")
        .set("spark.driver.host", "localhost").set("spark.ui.enabled", "false").set("spark.authenticate", "true"));
    batches = ParameterAveragingIT.fashionBatches(16);
  }

  @AfterAll
  static void stop() {
    sc.stop();
  }

  private static Network network() {
    MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(1e-3))
        .list()
        .layer(new DenseLayer.Builder().nIn(784).nOut(32).activation(Activation.RELU).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(32).nOut(10)
            .activation(Activation.SOFTMAX).build())
        .build());
    net.init();
    return new Network(net);
  }

  private static TrainingSettings settings() {
    return FineTuneSettings.fromConfig(ConfigLoader.load(new File("conf/examples/quickstart.conf"),
        List.of("training.parameter-averaging.averaging-frequency=1"))).training();
  }

  /** Two partitions of eight minibatches each. */
  private static JavaRDD<DataSet> data() {
    List<List<DataSet>> parts = List.of(new ArrayList<>(batches.subList(0, 8)), new ArrayList<>(batches.subList(8, 16)));
    return sc.parallelize(List.of(0, 1), 2).mapPartitions((Iterator<Integer> it) -> {
      List<DataSet> out = new ArrayList<>();
      it.forEachRemaining(p -> out.addAll(parts.get(p)));
      return out.iterator();
    });
  }

  /** Two epochs of parameter averaging; {@code whileTraining} runs against the hub's port meanwhile. */
  private static float[] train(Network start, Attack attack, List<Long> refusedPerEpoch, long[] refusedInAll)
      throws Exception {
    try (HubStrategy s = new HubStrategy(sc, start, settings(), 2, HubStrategy.Exchange.PARAMETERS, 42)) {
      if (attack != null) {
        attack.begin(s.hubPort());
      }
      try {
        for (int epoch = 0; epoch < 2; epoch++) {
          s.fitEpoch(data());
          refusedPerEpoch.add(((Number) s.epochBreakdown().get("hub-refused-connections")).longValue());
        }
      } finally {
        if (attack != null) {
          attack.end();
        }
      }
      // the last refusals may be counted just after the attacker saw its connections end
      long deadline = System.currentTimeMillis() + 5000;
      while (attack != null && s.hubRefusals() < attack.forged.get() + attack.junk.get()
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      refusedInAll[0] = s.hubRefusals();
      return s.network().params().toFloatVector();
    }
  }

  @Test
  void anAttackedRunEndsBitIdenticalToAnUndisturbedOneAndCountsWhatItRefused() throws Exception {
    Network start = network();
    List<Long> quiet = new ArrayList<>();
    float[] undisturbed = train(start.copy(), null, quiet, new long[1]);
    assertEquals(List.of(0L, 0L), quiet);

    Attack attack = new Attack();
    List<Long> refused = new ArrayList<>();
    long[] inAll = new long[1];
    float[] attacked = train(start.copy(), attack, refused, inAll);
    assertTrue(attack.forged.get() >= 10 && attack.junk.get() >= 10, "the attack ran during training: "
        + attack.forged + " forged, " + attack.junk + " junk");
    assertArrayEquals(undisturbed, attacked, 0f, "nothing the attacker sent reached the model");
    assertTrue(refused.stream().allMatch(n -> n > 0), "each epoch reports what it refused: " + refused);
    assertTrue(inAll[0] >= attack.forged.get() + attack.junk.get(), "every forged and junk connection is counted: "
        + inAll[0] + " for " + attack.forged + " forged and " + attack.junk + " junk");
  }

  /** Idle connections held open, and forged and junk connections made in a loop, on another thread. */
  private static final class Attack {
    final AtomicLong forged = new AtomicLong();
    final AtomicLong junk = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Socket> idle = new ArrayList<>();
    private Thread thread;

    void begin(int port) throws IOException {
      for (int i = 0; i < 1000; i++) {
        idle.add(new Socket(InetAddress.getLoopbackAddress(), port));
      }
      thread = new Thread(() -> {
        Random random = new Random(1);
        for (long n = 0; running.get(); n++) {
          try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            s.getInputStream().readNBytes(AveragingProtocol.CHALLENGE_BYTES);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            if (n % 2 == 0) {
              // a forged hello for session 1-3, task 1, of the right size, then a "round" of weight 1e30
              byte[] mac = new byte[AveragingProtocol.NONCE_BYTES + AveragingProtocol.MAC_BYTES];
              random.nextBytes(mac);
              int length = 784 * 32 + 32 + 32 * 10 + 10;
              out.write(ByteBuffer.allocate(AveragingProtocol.HELLO_BYTES).putInt(AveragingProtocol.MAGIC)
                  .putLong(1 + n % 3).putInt(0).putInt(1).putInt(2).putInt(length).put(mac).array());
              out.writeInt(0);
              out.writeDouble(1e30);
              out.writeBoolean(false);
              out.writeByte(AveragingProtocol.DENSE);
              out.write(new byte[4 * 1024]);
              out.flush();
              forged.incrementAndGet();
            } else {
              byte[] bytes = new byte[64];
              random.nextBytes(bytes);
              out.write(bytes);
              out.flush();
              junk.incrementAndGet();
            }
            s.getInputStream().read(); // the hub closes it
          } catch (IOException e) {
            // the hub may close first; keep going
          }
        }
      }, "hub-attacker");
      thread.start();
    }

    void end() throws Exception {
      running.set(false);
      thread.join();
      for (Socket s : idle) {
        s.close();
      }
    }
  }
}
