package io.sparktune;

import io.sparktune.cli.SparktuneCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

/** Runs the sparktune CLI in this JVM and captures its exit code, standard output and standard error. */
public record CliRun(int code, String out, String err) {
  public static CliRun of(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true));
    System.setErr(new PrintStream(err, true));
    try {
      int code = SparktuneCli.execute(args);
      return new CliRun(code, out.toString(), err.toString());
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
      oldOut.print(out); // still in the test's report
      oldErr.print(err);
    }
  }
}
