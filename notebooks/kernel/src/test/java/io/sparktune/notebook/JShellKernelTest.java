package io.sparktune.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The kernel's cell evaluation, without Jupyter around it (CI runs the notebooks through Jupyter too). */
class JShellKernelTest {
  static JShellKernel kernel;

  @BeforeAll
  static void start() {
    kernel = JShellKernel.builder().name("test").build();
  }

  @AfterAll
  static void stop() {
    kernel.onShutdown(false);
  }

  @Test
  void statementsRunInOrderAndTheLastExpressionIsTheValue() {
    assertEquals("42", kernel.evalRaw("int x = 20;\nint y = x + 22;\ny"));
    assertEquals("\"42!\"", kernel.evalRaw("String.valueOf(y) + \"!\""), "later cells see earlier declarations");
  }

  @Test
  void aTrailingSemicolonShowsNothing() {
    assertNull(kernel.evalRaw("System.out.printf(\"%d%n\", 1);"));
  }

  @Test
  void theSparktuneApiAndStartupImportsAreThere() {
    assertEquals("\"finetune\"", kernel.evalRaw("new picocli.CommandLine(new SparktuneCli()).getSubcommands().keySet().iterator().next()"));
    assertEquals("true", kernel.evalRaw("Chart.lines(\"t\", \"x\", \"y\").draw().getWidth() > 0"));
  }

  @Test
  void compileErrorsNameTheCellsLine() {
    JShellKernel.CellError e = assertThrows(JShellKernel.CellError.class, () -> kernel.evalRaw("int a = 1;\nString b = a;"));
    assertTrue(e.getMessage().contains("line 2: incompatible types"), e.getMessage());
    JShellKernel.CellError third = assertThrows(JShellKernel.CellError.class,
        () -> kernel.evalRaw("int a3 = 1;\n\nint c3 = 2;\nString b3 = a3;"));
    assertTrue(third.getMessage().contains("line 4: incompatible types"), third.getMessage());
  }

  @Test
  @org.junit.jupiter.api.Timeout(20)
  void aCellEndingInAnUnfinishedStatementIsRefusedNotLooped() {
    JShellKernel.CellError e = assertThrows(JShellKernel.CellError.class, () -> kernel.evalRaw("int q = 1;\nif (q > 0)"));
    assertTrue(e.getMessage().startsWith("The cell ends in the middle of a statement"), e.getMessage());
  }

  @Test
  void causesAreShown() {
    JShellKernel.CellError e = assertThrows(JShellKernel.CellError.class,
        () -> kernel.evalRaw("throw new RuntimeException(\"outer\", new IllegalStateException(\"inner\"));"));
    assertTrue(String.join("\n", kernel.formatError(e)).contains("Caused by: java.lang.IllegalStateException: inner"),
        kernel.formatError(e).toString());
  }

  @Test
  void exceptionsStopTheCellWithTheirClassAndMessage() {
    JShellKernel.CellError e = assertThrows(JShellKernel.CellError.class,
        () -> kernel.evalRaw("int before = 1;\nObject o = null;\no.toString();\nint after = 2;"));
    assertTrue(e.getMessage().startsWith("java.lang.NullPointerException"), e.getMessage());
    assertThrows(JShellKernel.CellError.class, () -> kernel.evalRaw("after"), "nothing after the failure ran");
  }

  @Test
  void completenessFollowsTheSource() {
    assertEquals(BaseKernel.IS_COMPLETE_YES, kernel.isComplete("int z = 1;"));
    assertEquals("    ", kernel.isComplete("for (int i = 0; i < 3; i++) {"));
  }
}
