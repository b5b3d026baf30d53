package io.sparktune.notebook;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.UnresolvedReferenceException;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.BaseKernelBuilder;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;

/**
 * A Jupyter kernel whose cells are Java, run by JShell in this JVM ("local" execution), so cells call the
 * sparktune API on the kernel's own classpath and share static state with it ({@link Show} displays through
 * this kernel). The Jupyter protocol (ZeroMQ sockets, message signing, display data) is jjava-jupyter's.
 *
 * <p>A cell may hold several statements and declarations; they run in order and the first failure stops the
 * cell with the compiler's or the exception's message. The value of a cell's last expression is shown as text,
 * unless the cell ends with a semicolon (as in IPython: {@code System.out.printf(...);} shows no PrintStream).
 */
public final class JShellKernel extends BaseKernel {
  /** Imports every notebook starts with. */
  static final List<String> STARTUP_IMPORTS = List.of("java.util.*", "java.nio.file.*", "io.sparktune.notebook.*",
      "io.sparktune.config.*", "io.sparktune.job.*", "io.sparktune.cli.SparktuneCli");

  private final JShell shell;
  /** Set by an interrupt request: the statement running is stopped and the rest of the cell skipped. */
  private volatile boolean interrupted;

  private JShellKernel(String name, String version, org.dflib.jjava.jupyter.kernel.JupyterIO io,
      org.dflib.jjava.jupyter.kernel.comm.CommManager comms, org.dflib.jjava.jupyter.kernel.display.Renderer renderer,
      org.dflib.jjava.jupyter.kernel.magic.MagicsRegistry magics, org.dflib.jjava.jupyter.kernel.util.StringStyler errorStyler) {
    super(name, version,
        new LanguageInfo.Builder("Java").version(Runtime.version().toString()).mimetype("text/x-java-source")
            .fileExtension(".jshell").pygments("java").codemirror("text/x-java").build(),
        List.of(), null, io, comms, renderer, null, magics, false, errorStyler);
    this.shell = JShell.builder().executionEngine("local").build();
    shell.addToClasspath(System.getProperty("java.class.path"));
    for (String i : STARTUP_IMPORTS) {
      evalRaw("import " + i + ";");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds the kernel with jjava-jupyter's defaults for everything but the language. */
  public static final class Builder extends BaseKernelBuilder<Builder, JShellKernel> {
    @Override
    public JShellKernel build() {
      return new JShellKernel(buildName(), buildVersion(), buildJupyterIO(buildJupyterIOEncoding()), buildCommManager(),
          buildRenderer(), buildMagicsRegistry(), buildErrorStyler());
    }
  }

  @Override
  public String getBanner() {
    return "sparktune Java (JShell " + Runtime.version() + ")";
  }

  /** Runs a cell: returns its last expression's value as text, or null. */
  @Override
  public Object evalRaw(String code) {
    interrupted = false;
    SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
    String remaining = code;
    int linesBefore = 0; // lines of the cell already run, so errors name the cell's own line numbers
    String value = null;
    while (!remaining.isBlank()) {
      SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
      SourceCodeAnalysis.Completeness c = info.completeness();
      if (c == SourceCodeAnalysis.Completeness.EMPTY) {
        break;
      }
      if (c == SourceCodeAnalysis.Completeness.DEFINITELY_INCOMPLETE || c == SourceCodeAnalysis.Completeness.CONSIDERED_INCOMPLETE) {
        throw new CellError("The cell ends in the middle of a statement: " + firstLine(remaining));
      }
      boolean unknown = c == SourceCodeAnalysis.Completeness.UNKNOWN;
      String source = unknown ? remaining : info.source();
      String rest = unknown ? "" : info.remaining();
      if (rest.length() >= remaining.length()) {
        throw new CellError("JShell cannot split the cell into statements at: " + firstLine(remaining));
      }
      value = run(source, linesBefore);
      linesBefore += newlines(remaining.substring(0, remaining.length() - rest.length()));
      remaining = rest;
      if (interrupted) {
        throw new CellError("Interrupted: the rest of the cell did not run");
      }
    }
    return code.strip().endsWith(";") ? null : value;
  }

  private String run(String source, int linesBefore) {
    String value = null;
    for (SnippetEvent e : shell.eval(source)) {
      if (e.causeSnippet() != null) {
        continue; // an update of a dependent snippet, not what this source did
      }
      if (e.status() == Snippet.Status.REJECTED) {
        throw new CellError(compileErrors(e.snippet(), linesBefore));
      }
      if (e.exception() != null) {
        throw failure(e.exception());
      }
      if (e.snippet().kind() == Snippet.Kind.EXPRESSION
          || (e.snippet().kind() == Snippet.Kind.VAR && e.snippet().subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND)) {
        value = e.value();
      }
    }
    return value;
  }

  private String compileErrors(Snippet snippet, int linesBefore) {
    String src = snippet.source();
    return shell.diagnostics(snippet).filter(Diag::isError).map(d -> {
      int line = lineOf(src, (int) d.getStartPosition());
      return "line " + (linesBefore + line) + ": " + d.getMessage(Locale.ROOT) + "\n    " + src.split("\n", -1)[line - 1].strip();
    }).collect(Collectors.joining("\n", "The cell does not compile:\n", ""));
  }

  private static int newlines(String s) {
    return (int) s.chars().filter(ch -> ch == '\n').count();
  }

  private static int lineOf(String src, int position) {
    int line = 1;
    for (int i = 0; i < Math.min(position, src.length()); i++) {
      if (src.charAt(i) == '\n') {
        line++;
      }
    }
    return line;
  }

  private static CellError failure(JShellException e) {
    String message;
    if (e instanceof EvalException ev) {
      message = ev.getExceptionClassName() + (ev.getMessage() == null ? "" : ": " + ev.getMessage());
    } else if (e instanceof UnresolvedReferenceException u) {
      message = "the cell uses " + u.getSnippet().source().strip() + ", which is not defined yet";
    } else {
      message = e.toString();
    }
    CellError error = new CellError(message);
    error.setStackTrace(e.getStackTrace());
    if (e.getCause() != null) {
      error.initCause(e.getCause());
    }
    return error;
  }

  private static String firstLine(String s) {
    String t = s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }

  @Override
  public DisplayData inspect(String code, int at, boolean extraDetail) {
    List<SourceCodeAnalysis.Documentation> docs = shell.sourceCodeAnalysis().documentation(code, at, extraDetail);
    if (docs.isEmpty()) {
      return null;
    }
    return new DisplayData(docs.stream()
        .map(d -> d.signature() + (d.javadoc() == null ? "" : "\n" + d.javadoc()))
        .collect(Collectors.joining("\n\n")));
  }

  @Override
  public ReplacementOptions complete(String code, int at) {
    int[] anchor = new int[1];
    List<String> options = new ArrayList<>();
    for (SourceCodeAnalysis.Suggestion s : shell.sourceCodeAnalysis().completionSuggestions(code, at, anchor)) {
      options.add(s.continuation());
    }
    return options.isEmpty() ? null : new ReplacementOptions(options, anchor[0], at);
  }

  @Override
  public String isComplete(String code) {
    SourceCodeAnalysis.CompletionInfo info = shell.sourceCodeAnalysis().analyzeCompletion(code);
    return switch (info.completeness()) {
      case COMPLETE, COMPLETE_WITH_SEMI, EMPTY -> info.remaining().isBlank() ? IS_COMPLETE_YES : isComplete(info.remaining());
      case DEFINITELY_INCOMPLETE, CONSIDERED_INCOMPLETE -> "    ";
      case UNKNOWN -> IS_COMPLETE_BAD;
    };
  }

  /** The message, then the stack frames of the code the cell called (not JShell's or the kernel's). */
  @Override
  public List<String> formatError(Throwable e) {
    List<String> lines = new ArrayList<>(List.of(e.getMessage() == null ? e.toString() : e.getMessage()));
    for (StackTraceElement f : e.getStackTrace()) {
      String c = f.getClassName();
      if (c.startsWith("jdk.jshell.") || c.startsWith("org.dflib.") || c.startsWith(JShellKernel.class.getName())
          || c.startsWith("jdk.internal.reflect.") || c.startsWith("java.lang.reflect.")) {
        break;
      }
      boolean cellFrame = c.startsWith("REPL.") || c.isEmpty() || String.valueOf(f.getFileName()).startsWith("#");
      if (!cellFrame) {
        lines.add("    at " + f);
      }
    }
    for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      lines.add("Caused by: " + (c instanceof EvalException ev ? ev.getExceptionClassName() + ": " + ev.getMessage() : c));
    }
    return lines;
  }

  @Override
  public void interrupt() {
    interrupted = true;
    shell.stop();
  }

  @Override
  public void onShutdown(boolean restart) {
    shell.close();
    super.onShutdown(restart);
  }

  /** A cell that did not compile or threw: its message is what the notebook shows. */
  public static final class CellError extends RuntimeException {
    CellError(String message) {
      super(message);
    }
  }
}
