package io.sparktune.technique;

import io.sparktune.data.PreparedData;
import io.sparktune.data.Record;
import org.apache.spark.api.java.JavaRDD;

/**
 * Experience replay: a stored sample of the old task's examples joins the new training data, so every
 * epoch's shuffled minibatches mix old and new examples and the old task keeps being trained on.
 * Validation (the new task's) is unchanged; forgetting is measured on old examples outside the sample.
 */
final class ExperienceReplay implements FineTuneTechnique {
  private final JavaRDD<Record> stored;
  private final long count;

  ExperienceReplay(JavaRDD<Record> stored) {
    this.stored = stored;
    this.count = stored.count();
  }

  @Override
  public String name() {
    return "replay(" + count + ")";
  }

  @Override
  public boolean worksOnCachedFeatures() {
    return false;
  }

  @Override
  public PreparedData trainingData(PreparedData data) {
    JavaRDD<Record> mixed = data.train().union(stored); // both cached already
    return new PreparedData(mixed, data.validation(), data.trainCount() + count, data.validationCount(), data.classes(),
        data.layout(), data.imageDims(), data.normalizer(), data.targetScale(), data.fingerprint());
  }

  @Override
  public void release() {
    stored.unpersist();
  }
}
