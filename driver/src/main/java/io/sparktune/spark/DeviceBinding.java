package io.sparktune.spark;

import io.sparktune.BadInputException;
import java.util.Arrays;
import java.util.List;

/**
 * Which ND4J device a task computes on, from the GPU address Spark assigned it
 * ({@code TaskContext.resources().get("gpu")}).
 *
 * <p>Spark's addresses are what the discovery script printed: the GPUs' indices as nvidia-smi numbers them.
 * CUDA numbers the devices a process can see from 0, in the order of {@code CUDA_VISIBLE_DEVICES} when that
 * is set (YARN and Kubernetes set it to isolate an executor's GPUs), so address "3" with
 * {@code CUDA_VISIBLE_DEVICES=2,3} is CUDA device 1.
 */
public final class DeviceBinding {
  private DeviceBinding() {}

  /**
   * The CUDA device ordinal for a Spark GPU address.
   *
   * @param visibleDevices the executor's CUDA_VISIBLE_DEVICES, or null/blank when unset
   * @param deviceCount how many devices ND4J sees
   */
  public static int ordinal(String address, String visibleDevices, int deviceCount) {
    String a = address.trim();
    int ordinal;
    if (visibleDevices != null && !visibleDevices.isBlank()) {
      List<String> visible = Arrays.stream(visibleDevices.split(",")).map(String::trim).toList();
      ordinal = visible.indexOf(a);
      if (ordinal < 0) {
        throw new BadInputException("Spark assigned GPU " + a + " to a task, but this executor's CUDA_VISIBLE_DEVICES="
            + visibleDevices + " does not include it: the discovery script (spark.executor.resource.gpu."
            + "discoveryScript) must print the GPUs this executor can see (deploy/gpu/discover-gpus.sh does)");
      }
    } else {
      try {
        ordinal = Integer.parseInt(a);
      } catch (NumberFormatException e) {
        throw new BadInputException("Spark assigned GPU address '" + a + "' to a task; sparktune needs numeric GPU "
            + "indices (as nvidia-smi prints them, e.g. from deploy/gpu/discover-gpus.sh) or a CUDA_VISIBLE_DEVICES "
            + "listing the addresses");
      }
    }
    if (ordinal < 0 || ordinal >= deviceCount) {
      throw new BadInputException("Spark assigned GPU " + a + " (CUDA device " + ordinal + ") to a task, but ND4J sees "
          + deviceCount + " device(s) on this executor");
    }
    return ordinal;
  }
}
