package io.sparktune.technique;

import io.sparktune.data.ClassResampling;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-sampling of imbalanced classes (over- or under-sampling), drawn anew every epoch on the executors
 * (see {@link ClassResampling}); works on cached frozen features too, since it only picks examples.
 */
final class Resampling implements FineTuneTechnique {
  private static final Logger log = LoggerFactory.getLogger(Resampling.class);

  private final ClassResampling resampling;

  /** @param counts training examples per class */
  Resampling(String mode, long[] counts) {
    this.resampling = ClassResampling.of(mode, counts);
    log.info("Re-sampling ({}): class counts {}, each epoch about {} examples, rates per class {}.", mode,
        Arrays.toString(counts), resampling.expectedExamples(),
        Arrays.toString(java.util.stream.IntStream.range(0, counts.length)
            .mapToObj(c -> String.format("%.3f", resampling.rate(c))).toArray()));
  }

  @Override
  public String name() {
    return resampling.mode();
  }

  @Override
  public ClassResampling resampling() {
    return resampling;
  }
}
