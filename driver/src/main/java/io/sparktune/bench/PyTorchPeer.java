package io.sparktune.bench;

import io.sparktune.config.FineTuneSettings;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The PyTorch peer ({@code bench/pytorch/peer.py}) when Debian's {@code python3-torch} and {@code python3-h5py}
 * are installed: the same fine-tune in PyTorch on the same cores, so the benchmark compares sparktune with the
 * tool a team would otherwise pick. Never a test dependency: without them the bench says so in one line and goes on.
 */
record PyTorchPeer(String python, String missing) {
  static final String SCRIPT = "bench/pytorch/peer.py";
  /**
   * glibc returns every large freed block to the system, and PyTorch frees and re-allocates its activations every
   * step, so each step faults them back in: on the benchmark VM one thread trained the CNN at 660 examples/s by
   * default and 2,252 with these (PyTorch's CPU tuning guide recommends jemalloc or tcmalloc for the same reason).
   * The peer runs with them so that the table has the strongest PyTorch that runs here.
   */
  static final Map<String, String> MALLOC = Map.of("MALLOC_MMAP_THRESHOLD_", "1073741824", "MALLOC_TRIM_THRESHOLD_",
      "1073741824");

  /** A process for {@code command} with the peer's environment. */
  static ProcessBuilder process(List<String> command) {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(MALLOC);
    return pb;
  }

  /** Debian's interpreter first: the packages install there, and a pyenv shim earlier on PATH would miss them. */
  static PyTorchPeer find() {
    String python = new File("/usr/bin/python3").canExecute() ? "/usr/bin/python3" : "python3";
    if (!new File(SCRIPT).isFile()) {
      return new PyTorchPeer(python, SCRIPT + " is not in the working directory (run from the repository root)");
    }
    try {
      Process p = new ProcessBuilder(python, "-c", "import torch, h5py").redirectErrorStream(true).start();
      if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
        return new PyTorchPeer(python, null);
      }
      p.destroyForcibly();
    } catch (Exception e) {
      // reported below
    }
    return new PyTorchPeer(python, "PyTorch or h5py is not installed for " + python
        + " (apt-get install -y python3-torch python3-h5py)");
  }

  boolean available() {
    return missing == null;
  }

  /**
   * The peer training the benchmark's network ({@code args}: the mode, "single" or "ddp", then options such as
   * "--threads", "1") or measuring SGEMM ("gemm").
   */
  List<String> command(List<String> args, FineTuneSettings s, int batch, Path result) {
    List<String> cmd = new ArrayList<>(List.of(python, SCRIPT));
    cmd.addAll(args);
    cmd.addAll(List.of("--output", result.toString()));
    if (args.get(0).equals("gemm")) {
      return cmd;
    }
    String model = s.model().uri().contains("cnn") ? "cnn" : "mlp";
    String weights = s.model().weightsUri() == null || s.model().weightsUri().isBlank() ? s.model().uri()
        : s.model().weightsUri();
    cmd.addAll(List.of("--model", model, "--weights", weights, "--train", s.data().trainUri(), "--train-labels",
        s.data().trainLabelsUri(), "--validation", s.data().validationUri(), "--validation-labels",
        s.data().validationLabelsUri(), "--epochs", Integer.toString(s.training().epochs()), "--batch",
        Integer.toString(batch), "--lr", Double.toString(s.training().learningRate()), "--seed",
        Long.toString(s.seed()), "--max-train", Integer.toString(Math.max(0, s.data().maxTrainExamples()))));
    return cmd;
  }
}
