package io.sparktune.cli;

import io.sparktune.BadInputException;
import io.sparktune.job.OutputLock;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The sparktune command line: {@code sparktune <command> --config FILE [--set key=value ...]}.
 *
 * <p>Exit codes: 0 = ok, 2 = bad usage, configuration or input, 1 = failure at run time, 3 = another retrain
 * of the model holds its lock (nothing was done).
 */
@Command(name = "sparktune", mixinStandardHelpOptions = true, versionProvider = SparktuneCli.Version.class,
    description = "Distributed fine-tuning of Deeplearning4j networks on Apache Spark.",
    footer = {"", "Any command also takes --debug: stack traces and Spark's task failures on the console (they are "
        + "always in the log file, sparktune-USER.log in the temporary folder unless -Dsparktune.log.file says "
        + "otherwise)."},
    subcommands = {FinetuneCommand.class, SweepCommand.class, EvaluateCommand.class, CompareCommand.class,
        CrossValidateCommand.class, RegistryCommand.class, RetrainCommand.class, DriftCommand.class, InspectCommand.class,
        BenchCommand.class, CommandLine.HelpCommand.class})
public final class SparktuneCli implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(SparktuneCli.class);
  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int BAD_INPUT = 2;
  public static final int BUSY = 3;
  private static final Pattern WRAPPED = Pattern.compile("io\\.sparktune\\.BadInputException: ([^\\n]*)");

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: finetune, sweep, evaluate, compare, cv, registry, retrain, drift or bench.");
  }

  public static void main(String[] args) {
    Thread.setDefaultUncaughtExceptionHandler(SparktuneCli::uncaught);
    Runtime.getRuntime().addShutdownHook(new Thread(SparktuneCli::signalled, "sparktune-signal"));
    int code = execute(args);
    finished = true;
    System.exit(code);
  }

  private static volatile boolean finished;
  /** Set when the JVM shuts down before the command finished (SIGTERM, SIGINT): what fails then is not news. */
  private static volatile boolean stopping;

  /**
   * SIGTERM or SIGINT before the command finished: one line saying what is kept, and nothing else (Spark stops
   * its context in its own hook, and the work that fails because of that is not reported as a failure). A
   * fine-tune's complete checkpoints stay (only a checkpoint being written is incomplete, and never loads);
   * temporary files go with the JVM; the output's lock is taken over by the next run at once (its holder's
   * process is gone).
   */
  static void signalled() {
    if (finished) {
      return;
    }
    stopping = true;
    String output = OutputLock.active();
    System.err.println("sparktune: stopped by a signal before the command finished" + (output == null ? "."
        : "; complete checkpoints in " + output + " are kept (finetune and sweep continue from them with --resume)."));
  }

  /**
   * An {@link Error} on any thread of the sparktune process ends the run: one {@code error:} line and exit 1,
   * instead of a dead thread and a JVM kept alive by Spark's other threads (Hadoop reports a full local disk as
   * {@code FSError}, an Error). Exceptions on other threads are their owners' business; Spark handles its own
   * task threads. The exit runs on a new thread, so that shutdown hooks waiting for this one cannot deadlock,
   * and a halt follows if they take longer than a minute.
   */
  static void uncaught(Thread t, Throwable e) {
    if (stopping || !(e instanceof Error)) {
      log.warn("Thread {} ended with an uncaught exception.", t.getName(), e);
      return;
    }
    log.error("Thread {} failed; the run ends.", t.getName(), e);
    System.err.println("error: the run failed: " + message(e) + " (on thread " + t.getName() + "; the stack trace is "
        + "in " + Logs.file() + ")");
    Thread exit = new Thread(() -> System.exit(FAILURE), "sparktune-exit");
    exit.start();
    Thread halt = new Thread(() -> {
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException ignored) {
        // halting anyway
      }
      Runtime.getRuntime().halt(FAILURE);
    }, "sparktune-halt");
    halt.setDaemon(true);
    halt.start();
  }

  /** Runs the CLI and returns the exit code (tests call this instead of main). */
  public static int execute(String... args) {
    if (Arrays.asList(args).contains("--debug")) {
      Logs.debug();
      args = Arrays.stream(args).filter(a -> !a.equals("--debug")).toArray(String[]::new);
    }
    CommandLine cli = new CommandLine(new SparktuneCli());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> handle(e));
    cli.setParameterExceptionHandler((e, args2) -> {
      System.err.println("error: " + e.getMessage());
      e.getCommandLine().usage(System.err);
      return BAD_INPUT;
    });
    try {
      return cli.execute(args);
    } catch (Throwable e) { // an Error from a command, which picocli lets through
      return handle(e);
    }
  }

  static int handle(Throwable e) {
    if (stopping) {
      log.debug("after a signal", e);
      return FAILURE;
    }
    if (e instanceof io.sparktune.job.DirectoryLock.HeldException held) {
      System.err.println("error: " + held.getMessage());
      return BUSY;
    }
    java.util.Optional<String> backend = io.sparktune.spark.ComputeBackend.startFailure(e);
    if (backend.isPresent()) {
      log.debug("ND4J backend start failure", e);
      System.err.println("error: " + backend.get());
      return BAD_INPUT;
    }
    BadInputException bad = badInput(e);
    if (bad != null) {
      log.debug("bad input", e);
      System.err.println("error: " + bad.getMessage());
      return BAD_INPUT;
    }
    log.error("The run failed.", e);
    System.err.println("error: the run failed: " + message(e) + diskFull(e) + " (the stack trace is in " + Logs.file()
        + "; --debug shows it here)");
    return FAILURE;
  }

  /**
   * Finds a BadInputException behind e: directly in the cause chain, or inside a Spark task failure
   * message (executors' exceptions reach the driver as text).
   */
  static BadInputException badInput(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof BadInputException b) {
        return b;
      }
      if (t.getMessage() != null) {
        Matcher m = WRAPPED.matcher(t.getMessage());
        if (m.find()) {
          return new BadInputException(m.group(1).trim(), e);
        }
      }
    }
    return null;
  }

  /** A hint when the cause is a full disk (Hadoop's local file system reports it as FSError). */
  private static String diskFull(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (String.valueOf(t.getMessage()).contains("No space left on device")) {
        return ": a disk is full; free space or choose another --output, then --resume from the last complete "
            + "checkpoint if one was kept";
      }
    }
    return "";
  }

  private static String message(Throwable e) {
    String m = e.getMessage();
    if (m == null) {
      return e.getClass().getSimpleName();
    }
    int nl = m.indexOf('\n');
    return nl > 0 ? m.substring(0, nl) : m;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"sparktune " + io.sparktune.job.Provenance.version()
          + " (Spark " + org.apache.spark.package$.MODULE$.SPARK_VERSION() + ", DL4J " + io.sparktune.job.Provenance.dl4jVersion()
          + ", " + io.sparktune.spark.StackCheck.Expected.ofBuild().nd4jBackend() + ")"};
    }
  }
}
