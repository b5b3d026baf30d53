package io.sparktune.train;

import io.sparktune.model.Network;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * training.precision: the network's floating-point type. Half precision (float16, bfloat16) is applied
 * on the ND4J CUDA backend only; on the CPU backend DL4J 1.0.0-M2 has no fast half-precision training
 * kernels, so the setting is reported as not used and the network stays float32.
 */
public final class Precision {
  private static final Logger log = LoggerFactory.getLogger(Precision.class);

  public static final List<String> NAMES = List.of("float32", "float16", "bfloat16");

  private Precision() {}

  /** What was asked and what is used, for metrics.json. */
  public record Applied(Network network, Map<String, Object> report) {}

  /** The network in the requested precision where the backend supports it, and a report of the choice. */
  public static Applied apply(Network net, String requested) {
    String backend = backend();
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("requested", requested);
    report.put("backend", backend);
    if (requested.equals("float32")) {
      report.put("used", "float32");
      return new Applied(net, report);
    }
    if (!backend.equalsIgnoreCase("CUDA")) {
      log.warn("training.precision = {} is NOT used: the {} backend has no half-precision training kernels in DL4J "
          + "1.0.0-M2; the network trains in float32. Half precision applies on the CUDA backend (-Pcuda).", requested,
          backend);
      report.put("used", "float32");
      return new Applied(net, report);
    }
    DataType type = requested.equals("float16") ? DataType.HALF : DataType.BFLOAT16;
    Network converted = new Network(net.isGraph() ? net.graph().convertDataType(type)
        : net.multiLayer().convertDataType(type));
    log.info("training.precision = {}: parameters and activations in {} on the {} backend.", requested, type, backend);
    report.put("used", requested);
    return new Applied(converted, report);
  }

  /** The ND4J backend's name ("CPU", "CUDA"). */
  public static String backend() {
    return io.sparktune.spark.ComputeBackend.name();
  }
}
