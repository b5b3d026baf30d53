package io.sparktune.config;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;

/**
 * {@code sparktune.training}: the distributed fine-tuning run.
 *
 * @param strategy parameter-averaging, gradient-sharing or single-node
 * @param epochs passes over the training data
 * @param batchSizePerWorker minibatch size on each worker
 * @param updater adam, sgd, nesterovs or rmsprop
 * @param learningRate the updater's learning rate
 * @param stallTimeout a round without progress for this long fails the run
 * @param restarts fresh Spark applications a run may start to resume after a lost executor or a stall
 * @param progressInterval how often progress is logged
 * @param averagingFrequency minibatches between parameter averagings
 * @param averageUpdaterState average updater state too
 * @param averagingPrefetch minibatches prefetched (parameter averaging)
 * @param averagingImplementation sparktune (long-lived tasks, the driver's averaging hub) or dl4j (DL4J's master)
 * @param hubAddress the address tasks use to reach the driver's averaging hub, "" = the driver's host
 * @param hubPort the hub's TCP port, 0 = any free one
 * @param threshold initial encoding threshold (gradient sharing)
 * @param controllerAddress Aeron controller address, "" = automatic
 * @param port Aeron port of the driver (the root of the transport)
 * @param networkMask subnet whose address executors announce, e.g. 10.1.0.0/16; "" = 127.0.0.1
 * @param sharingPrefetch minibatches prefetched (gradient sharing)
 * @param sharingImplementation dl4j (DL4J's SharedTrainingMaster) or sparktune (synchronous gradient averaging
 *     through the driver's hub)
 * @param sharingEncoding sparktune's gradient sharing: dense (exact gradients) or one-bit (updates compressed
 *     to one bit per parameter, with error feedback)
 * @param patience early-stopping patience in epochs, 0 = off
 * @param minDelta smallest improvement that counts
 * @param learningCheckExamples training examples used to verify the returned network, 0 = no check
 * @param maxLossRatio the returned network's loss may be at most this times the workers' loss
 * @param lrSchedule the learning rate of each epoch
 * @param precision float32, float16 or bfloat16: the network's data type where the backend trains in it
 * @param workspaceMode ND4J workspaces: enabled or none
 * @param cacheMode DL4J's layer cache: none, host or device
 * @param keepBest whether the run keeps the best validated epoch's model (training.keep-model = best) or the last
 */
public record TrainingSettings(String strategy, int epochs, int batchSizePerWorker, String updater,
    double learningRate, Duration stallTimeout, Duration progressInterval, int averagingFrequency,
    boolean averageUpdaterState, int averagingPrefetch, String averagingImplementation, String hubAddress, int hubPort,
    double threshold, String controllerAddress, int port, String networkMask,
    int sharingPrefetch, String sharingImplementation, io.sparktune.train.SharingEncoding sharingEncoding, int patience, double minDelta, int learningCheckExamples, double maxLossRatio,
    io.sparktune.train.LearningRateSchedule lrSchedule, String precision, int restarts, String workspaceMode,
    String cacheMode, boolean keepBest) {

  public static final List<String> STRATEGIES = List.of("parameter-averaging", "gradient-sharing", "single-node");
  public static final List<String> AVERAGING_IMPLEMENTATIONS = List.of("sparktune", "dl4j");
  public static final List<String> SHARING_ENCODINGS = io.sparktune.train.SharingEncoding.configNames();
  public static final List<String> WORKSPACE_MODES = List.of("enabled", "none");
  public static final List<String> CACHE_MODES = List.of("none", "host", "device");
  public static final List<String> UPDATERS = List.of("adam", "sgd", "nesterovs", "rmsprop");

  static TrainingSettings fromConfig(Config c, ConfigProblems p) {
    String b = ConfigLoader.ROOT + ".training.";
    return new TrainingSettings(p.oneOf(b + "strategy", STRATEGIES), p.intIn(b + "epochs", 1, 10_000),
        p.intIn(b + "batch-size-per-worker", 1, 65_536), p.oneOf(b + "updater", UPDATERS),
        p.doubleIn(b + "learning-rate", 0, 10, true),
        p.durationAtLeast(b + "stall-timeout", Duration.ofSeconds(10)),
        p.durationAtLeast(b + "progress-interval", Duration.ofMillis(100)),
        p.intIn(b + "parameter-averaging.averaging-frequency", 1, 1000),
        p.bool(b + "parameter-averaging.average-updater-state"),
        p.intIn(b + "parameter-averaging.prefetch", 0, 64),
        p.oneOf(b + "parameter-averaging.implementation", AVERAGING_IMPLEMENTATIONS),
        p.string(b + "parameter-averaging.hub-address"),
        p.intIn(b + "parameter-averaging.hub-port", 0, 65535),
        p.doubleIn(b + "gradient-sharing.threshold", 0, 1, true),
        p.string(b + "gradient-sharing.controller-address"),
        p.intIn(b + "gradient-sharing.port", 1024, 65535),
        p.string(b + "gradient-sharing.network-mask"),
        p.intIn(b + "gradient-sharing.prefetch", 0, 64),
        p.oneOf(b + "gradient-sharing.implementation", AVERAGING_IMPLEMENTATIONS),
        io.sparktune.train.SharingEncoding.named(p.oneOf(b + "gradient-sharing.encoding", SHARING_ENCODINGS)),
        p.intIn(b + "early-stopping.patience", 0, 10_000),
        p.doubleIn(b + "early-stopping.min-delta", 0, 1, false),
        p.intIn(b + "learning-check.examples", 0, 1_000_000),
        p.doubleIn(b + "learning-check.max-loss-ratio", 1, 1000, false), schedule(p, b),
        p.oneOf(b + "precision", io.sparktune.train.Precision.NAMES), p.intIn(b + "restarts", 0, 100),
        p.oneOf(b + "memory.workspace-mode", WORKSPACE_MODES), p.oneOf(b + "memory.cache-mode", CACHE_MODES),
        p.oneOf(b + "keep-model", List.of("best", "last")).equals("best"));
  }


  private static io.sparktune.train.LearningRateSchedule schedule(ConfigProblems p, String b) {
    String type = p.oneOf(b + "lr-schedule.type", io.sparktune.train.LearningRateSchedule.TYPES);
    if (!type.equals("constant") && dl4jGradientSharing(p, b)) {
      p.add(b + "lr-schedule.type", "is " + type + ", which gradient-sharing cannot apply (DL4J keeps each worker's "
          + "model across epochs); use constant, or parameter-averaging / single-node.");
    }
    return new io.sparktune.train.LearningRateSchedule(type, p.intIn(b + "lr-schedule.warmup-epochs", 0, 10_000),
        p.intIn(b + "lr-schedule.step-epochs", 1, 10_000), p.doubleIn(b + "lr-schedule.step-factor", 0, 1, true),
        p.doubleIn(b + "lr-schedule.min-fraction", 0, 1, false));
  }

  /** True for DL4J's gradient sharing, which keeps each worker's model across epochs (what it cannot do follows). */
  static boolean dl4jGradientSharing(ConfigProblems p, String training) {
    return p.string(training + "strategy").equals("gradient-sharing")
        && p.string(training + "gradient-sharing.implementation").equals("dl4j");
  }

  /** True for DL4J's gradient sharing (one training master per application, each worker's model kept across epochs). */
  public boolean onDl4jGradientSharing() {
    return strategy.equals("gradient-sharing") && sharingImplementation.equals("dl4j");
  }

  /** True when training runs on one of DL4J's training masters (not sparktune's own strategies). */
  public boolean onDl4jMaster() {
    return strategy.equals("gradient-sharing") ? sharingImplementation.equals("dl4j")
        : strategy.equals("parameter-averaging") && averagingImplementation.equals("dl4j");
  }

  public org.nd4j.linalg.learning.config.IUpdater dl4jUpdater() {
    return switch (updater) {
      case "sgd" -> new org.nd4j.linalg.learning.config.Sgd(learningRate);
      case "nesterovs" -> new org.nd4j.linalg.learning.config.Nesterovs(learningRate, 0.9);
      case "rmsprop" -> new org.nd4j.linalg.learning.config.RmsProp(learningRate);
      default -> new org.nd4j.linalg.learning.config.Adam(learningRate);
    };
  }

  /** training.memory.* as DL4J's enums. */
  public void applyMemoryModes(io.sparktune.model.Network net) {
    net.setMemoryModes(org.deeplearning4j.nn.conf.WorkspaceMode.valueOf(workspaceMode.toUpperCase(java.util.Locale.ROOT)),
        org.deeplearning4j.nn.conf.CacheMode.valueOf(cacheMode.toUpperCase(java.util.Locale.ROOT)));
  }
}
