package io.sparktune.bench;

import io.sparktune.io.Json;
import io.sparktune.spark.ComputeBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The machine's measured single-precision matrix-multiply rate, the ceiling every benchmark run's achieved GFLOP/s
 * is reported against: the best of ND4J's BLAS (column-major operands, all cores) and, when the PyTorch peer is
 * installed, PyTorch's BLAS, each in its own process, at 1024, 2048 and 3072.
 *
 * <p>Usage as a child JVM: {@code GemmCeiling OUTPUT_JSON}.
 */
final class GemmCeiling {
  private static final Logger log = LoggerFactory.getLogger(GemmCeiling.class);

  private GemmCeiling() {}

  public static void main(String[] args) throws Exception {
    ComputeBackend.require("benchmark");
    double best = 0;
    for (int n : new int[] {1024, 2048, 3072}) {
      INDArray a = Nd4j.rand(DataType.FLOAT, 'f', n, n);
      INDArray b = Nd4j.rand(DataType.FLOAT, 'f', n, n);
      INDArray c = Nd4j.create(DataType.FLOAT, new long[] {n, n}, 'f');
      for (int i = 0; i < 2; i++) {
        Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
      }
      int reps = 5;
      long t0 = System.nanoTime();
      for (int i = 0; i < reps; i++) {
        Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
      }
      best = Math.max(best, 2.0 * n * n * (double) n * reps / ((System.nanoTime() - t0) / 1e9) / 1e9);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("sgemm-gflops", best);
    out.put("threads", Nd4j.getEnvironment().maxThreads());
    out.put("blas", Nd4j.getExecutioner().getEnvironmentInformation().get("blas.vendor"));
    Files.writeString(Path.of(args[0]), Json.write(out));
  }

  /** Measures both (each in its own process) and returns their rates and the ceiling, the larger. */
  static Map<String, Object> measure(Path work, PyTorchPeer peer) {
    Map<String, Object> m = new LinkedHashMap<>();
    List<String> java = new ArrayList<>(BenchmarkRunner.javaCommand());
    java.addAll(List.of(GemmCeiling.class.getName(), work.resolve("gemm-nd4j.json").toString()));
    Double nd4j = rate(java, work.resolve("gemm-nd4j.json"), work.resolve("gemm-nd4j.log"));
    m.put("nd4j_sgemm_gflops", nd4j);
    Double torch = peer.available()
        ? rate(peer.command(List.of("gemm"), null, 0, work.resolve("gemm-torch.json")), work.resolve("gemm-torch.json"),
            work.resolve("gemm-torch.log")) : null;
    m.put("pytorch_sgemm_gflops", torch);
    double ceiling = Math.max(nd4j == null ? 0 : nd4j, torch == null ? 0 : torch);
    m.put("ceiling_gflops", ceiling > 0 ? ceiling : null);
    log.info("Benchmark: SGEMM ceiling {} GFLOP/s (ND4J {}, PyTorch {})", String.format("%.0f", ceiling), nd4j, torch);
    return m;
  }

  private static Double rate(List<String> cmd, Path result, Path logFile) {
    try {
      Process p = PyTorchPeer.process(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
      if (!p.waitFor(10, TimeUnit.MINUTES)) { // a minute is plenty; never hang the benchmark on it
        p.destroyForcibly();
        log.warn("Benchmark: SGEMM measurement did not finish in 10 minutes; log {}", logFile);
        return null;
      }
      if (p.exitValue() == 0 && Files.exists(result)) {
        return ((Number) Json.readMap(Files.readString(result)).get("sgemm-gflops")).doubleValue();
      }
    } catch (Exception e) {
      log.warn("Benchmark: SGEMM measurement failed ({}); log {}", e.getMessage(), logFile);
    }
    return null;
  }
}
