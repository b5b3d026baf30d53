package io.sparktune.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import org.apache.spark.SparkEnv;
import org.nd4j.parameterserver.distributed.v2.transport.PortSupplier;

/**
 * Gives the Aeron transport of gradient sharing its ports: the configured port on the driver (the root
 * of the mesh, which every worker must know), a free port of its own on each executor.
 *
 * <p>With DL4J's default (the same static port everywhere), executors that share a host with each other
 * or with the driver each believed they were the root, and training "finished" without learning
 * (KNOWN-FACTS.md, standalone cluster item 8).
 */
final class ExecutorPortSupplier implements PortSupplier {
  private static final long serialVersionUID = 1L;

  private final int driverPort;

  ExecutorPortSupplier(int driverPort) {
    this.driverPort = driverPort;
  }

  @Override
  public int getPort() {
    SparkEnv env = SparkEnv.get();
    if (env == null || "driver".equals(env.executorId())) {
      return driverPort;
    }
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("No free port for the gradient-sharing transport: " + e.getMessage(), e);
    }
  }
}
