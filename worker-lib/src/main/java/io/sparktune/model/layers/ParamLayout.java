package io.sparktune.model.layers;

import java.util.List;

/**
 * A layer configuration that lists its parameters, frozen pre-trained ones and trainable added ones, in
 * the order they lie in the network's flat parameter vector; {@link LayoutParams} makes the views.
 */
public interface ParamLayout {

  /**
   * One parameter: its shape and the order its values lie in ('f' for DL4J dense matrices, 'c' for
   * convolution kernels); a [1, n] shape is a row (biases).
   */
  record Param(String name, long[] shape, char order, boolean trainable, boolean bias) {
    /** A [rows, cols] matrix in 'f' order, as DL4J's dense layers keep their weights. */
    public static Param matrix(String name, long rows, long cols, boolean trainable) {
      return new Param(name, new long[] {rows, cols}, 'f', trainable, false);
    }

    /** A [1, n] bias row. */
    public static Param bias(String name, long n, boolean trainable) {
      return new Param(name, new long[] {1, n}, 'f', trainable, true);
    }

    /** A weight tensor in 'c' order (convolution kernels [out, in, kH, kW]). */
    public static Param tensor(String name, boolean trainable, long... shape) {
      return new Param(name, shape, 'c', trainable, false);
    }

    public long length() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  List<Param> params();

  /** True for a pre-trained parameter that must not change (no-op updater, no regularisation, zero gradient). */
  default boolean frozen(String param) {
    return params().stream().anyMatch(p -> p.name().equals(param) && !p.trainable());
  }
}
