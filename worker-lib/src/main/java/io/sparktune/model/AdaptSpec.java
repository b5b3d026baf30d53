package io.sparktune.model;

import java.io.Serializable;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * What to do to a pre-trained network before fine-tuning it.
 *
 * @param freezeUpTo layer name or zero-based index; that layer and all before it are frozen; empty
 *     for none
 * @param numClasses classes of the new task
 * @param replaceOutput true for a new, freshly initialised output layer; false keeps the pre-trained
 *     head when it already has {@code numClasses} outputs
 * @param updater the fine-tuning updater (with its learning rate) for every trainable layer
 * @param seed seeds the new head's weights, so runs are reproducible across JVMs
 * @param regression the new head predicts {@code numClasses} real values (identity, mean squared error)
 *     instead of class probabilities (softmax, cross-entropy)
 */
public record AdaptSpec(String freezeUpTo, int numClasses, boolean replaceOutput, IUpdater updater, long seed,
    boolean regression) implements Serializable {
  public AdaptSpec(String freezeUpTo, int numClasses, boolean replaceOutput, IUpdater updater, long seed) {
    this(freezeUpTo, numClasses, replaceOutput, updater, seed, false);
  }
}
