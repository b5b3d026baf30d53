package io.sparktune.technique;

import io.sparktune.BadInputException;
import io.sparktune.config.ContinualSettings;
import io.sparktune.config.DataSettings;
import io.sparktune.data.BatchAssembler;
import io.sparktune.data.DataPipeline;
import io.sparktune.data.DataSource;
import io.sparktune.data.Record;
import io.sparktune.data.Splits;
import io.sparktune.eval.ClassificationResult;
import io.sparktune.eval.DistributedEvaluator;
import io.sparktune.eval.MacroAverages;
import io.sparktune.model.Network;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task a pre-trained model was trained for, kept while fine-tuning on a new one (continual learning).
 * Its examples are split, seeded by each example's origin, into a held-out part that measures forgetting
 * and a pool that EWC's Fisher information and replay draw their seeded samples from.
 */
public final class OldTask {
  private static final Logger log = LoggerFactory.getLogger(OldTask.class);

  private final JavaRDD<Record> pool;
  private final JavaRDD<Record> heldOut;
  private final List<String> classes;
  private final long seed;

  private OldTask(JavaRDD<Record> pool, JavaRDD<Record> heldOut, List<String> classes, long seed) {
    this.pool = pool;
    this.heldOut = heldOut;
    this.classes = classes;
    this.seed = seed;
  }

  /**
   * Reads the old task with the run's data settings.
   *
   * @param outputs the number of outputs of the network being fine-tuned, which must score the old task
   */
  public static OldTask read(JavaSparkContext sc, ContinualSettings c, DataSettings d, long seed, long outputs) {
    DataSource source = DataPipeline.source(d);
    List<String> classes = !c.oldClasses().isEmpty() ? c.oldClasses()
        : source.discoverClasses(sc, c.oldDataUri(), c.oldLabelsUri());
    if (classes.size() != outputs) {
      throw new BadInputException("techniques.continual: the old task has " + classes.size() + " classes " + classes
          + " but the fine-tuned network has " + outputs + " outputs. The old task is scored through the pre-trained "
          + "output layer, shared with the new task: use a model and data with as many classes, and "
          + "model.adapt.replace-output = false.");
    }
    JavaRDD<Record> all = source.read(sc, c.oldDataUri(), c.oldLabelsUri(), classes);
    double fraction = c.heldOutFraction();
    long splitSeed = Splits.mix(seed ^ 0x01D_7A5CL);
    JavaRDD<Record> heldOut = all.filter(r -> Splits.unit(splitSeed, r.origin()) < fraction)
        .persist(StorageLevel.MEMORY_AND_DISK_SER());
    JavaRDD<Record> pool = all.filter(r -> Splits.unit(splitSeed, r.origin()) >= fraction)
        .persist(StorageLevel.MEMORY_AND_DISK_SER());
    long held = heldOut.count();
    long rest = pool.count();
    if (held == 0 || rest == 0) {
      throw new BadInputException("techniques.continual: '" + c.oldDataUri() + "' gave " + held + " held-out and "
          + rest + " other old examples; both must be non-empty (held-out-fraction " + fraction + ").");
    }
    log.info("Old task: {} examples held out to measure forgetting, {} available to EWC and replay, classes {}.",
        held, rest, classes);
    return new OldTask(pool, heldOut, List.copyOf(classes), splitSeed);
  }

  /** A seeded sample of {@code n} examples of the pool (all of it when smaller), cached on the executors. */
  public JavaRDD<Record> sample(int n, long salt) {
    long sampleSeed = Splits.mix(seed + salt);
    JavaRDD<Record> s = pool.mapToPair(r -> new scala.Tuple2<>(Splits.hash(sampleSeed, r.origin()), r))
        .sortByKey().values().zipWithIndex().filter(t -> t._2() < n).keys()
        .persist(StorageLevel.MEMORY_AND_DISK_SER());
    s.count();
    return s;
  }

  /** Accuracy and macro-F1 of {@code net} on the held-out old examples. */
  public Map<String, Object> evaluate(JavaSparkContext sc, Network net, BatchAssembler assembler) {
    ClassificationResult r = DistributedEvaluator.evaluate(sc, net, heldOut, assembler, classes, 1);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("accuracy", r.evaluation().accuracy());
    m.put("macro-f1", MacroAverages.of(r.evaluation(), classes.size()).f1());
    m.put("examples", r.examples());
    return m;
  }

  public List<String> classes() {
    return classes;
  }

  public void release() {
    pool.unpersist();
    heldOut.unpersist();
  }
}
