package io.sparktune.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Predicts the scaling efficiency of sparktune's hub strategies (parameter averaging, gradient sharing) at
 * more executors from what one run measured: compute time per step, steps per round, the bytes each worker
 * sends and receives per round, and the round's local cost (encoding, summing and applying, on loopback).
 *
 * <p>The averaging hub is a star on the driver: per round the driver's link receives N messages and sends N
 * means, full duplex, so the busier direction takes N x max(sent, received) bytes / bandwidth (a dense mean
 * is as large as a state; a one-bit mean as large as a one-bit update, however many workers), and the hub's
 * summation grows with N as well. A worker's round therefore costs
 * {@code k t_step + N S / B + (N / N_measured) t_local}, of which {@code k t_step} is useful work:
 * efficiency = k t_step / that. Weak scaling (each worker keeps its minibatch), so throughput is
 * N x efficiency x one worker's.
 */
public final class ScalingModel {
  private ScalingModel() {}

  /**
   * @param stepSeconds compute time of one step on one worker
   * @param stepsPerRound averaging frequency
   * @param stateBytes bytes one worker sends or receives per round, whichever is more
   * @param localRoundSeconds measured per-round averaging time (without waiting for slower workers)
   * @param measuredWorkers the worker count of the measurement
   * @param bitsPerSecond the network's bandwidth
   * @return efficiency per executor count
   */
  public static Map<Integer, Double> efficiency(double stepSeconds, int stepsPerRound, double stateBytes,
      double localRoundSeconds, int measuredWorkers, double bitsPerSecond, List<Integer> executors) {
    Map<Integer, Double> out = new LinkedHashMap<>();
    double compute = stepSeconds * stepsPerRound;
    for (int n : executors) {
      double network = n * stateBytes * 8 / bitsPerSecond;
      double local = localRoundSeconds * n / Math.max(1, measuredWorkers);
      out.put(n, compute / (compute + network + local));
    }
    return out;
  }
}
