package io.sparktune.notebook;

import java.nio.file.Files;
import java.nio.file.Path;
import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;

/** Starts the kernel for Jupyter: {@code KernelMain CONNECTION_FILE} (notebooks/install-kernel.sh writes the spec). */
public final class KernelMain {
  private KernelMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1 || !Files.isRegularFile(Path.of(args[0]))) {
      System.err.println("usage: KernelMain CONNECTION_FILE (Jupyter passes it; see notebooks/README.md)");
      System.exit(2);
    }
    KernelConnectionProperties props = KernelConnectionProperties.parse(Files.readString(Path.of(args[0])));
    JupyterConnection connection = new JupyterConnection(props);
    JShellKernel kernel = JShellKernel.builder().name("sparktune-java")
        .version(String.valueOf(KernelMain.class.getPackage().getImplementationVersion())).build();
    kernel.onStartup();
    kernel.becomeHandlerForConnection(connection);
    connection.connect();
    connection.waitUntilClose();
  }
}
