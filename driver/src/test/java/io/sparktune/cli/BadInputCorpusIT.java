package io.sparktune.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.sparktune.CliRun;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-input corpus (src-test-data/bad-inputs/cases.conf): every broken input gives its documented exit
 * code and one clear sentence naming what is wrong, prints no stack trace (the log file has it), and leaves no
 * output behind. All cases run, and every
 * failing one is reported together.
 */
class BadInputCorpusIT {
  static final String BAD = "src-test-data/bad-inputs";
  /** A stack frame or a chained cause, as Java prints them. */
  static final java.util.regex.Pattern STACK_TRACE =
      java.util.regex.Pattern.compile("(?m)^\\s+at [\\w$.<>/]+\\(.*$|^Caused by: .*$");

  @TempDir
  Path dir;

  @Test
  void everyBrokenInputGetsItsExitCodeAClearSentenceAndLeavesNothing() throws Exception {
    Config corpus = ConfigFactory.parseFile(new File(BAD, "cases.conf")).resolve();
    List<? extends Config> cases = corpus.getConfigList("cases");
    assertTrue(cases.size() >= 30, "the corpus has " + cases.size() + " cases");
    List<String> failures = new ArrayList<>();
    for (Config c : cases) {
      String name = c.getString("name");
      Path out = dir.resolve(name);
      List<String> args = c.getStringList("args").stream()
          .map(a -> a.replace("{bad}", BAD).replace("{out}", out.toString())).toList();
      CliRun r = CliRun.of(args.toArray(String[]::new));
      // the message: from its "error: " line on (a configuration lists each problem on a line of its own)
      int at = r.err().startsWith("error: ") ? 0 : r.err().indexOf("\nerror: ") + 1;
      String error = at < 0 || !r.err().startsWith("error: ", at) ? null : r.err().substring(at).strip();
      List<String> problems = new ArrayList<>();
      if (r.code() != c.getInt("exit")) {
        problems.add("exit code " + r.code() + ", documented " + c.getInt("exit"));
      }
      if (error == null) {
        problems.add("no 'error: ' sentence");
      } else {
        for (String f : c.getStringList("expect")) {
          if (!error.contains(f.replace("{bad}", BAD))) {
            problems.add("the sentence lacks '" + f + "'");
          }
        }
        if (error.matches("error: (the run failed: )?[a-z]+(\\.[a-zA-Z_$]+)+(Exception|Error).*")) {
          problems.add("the sentence is a bare exception");
        }
      }
      if (Files.exists(out)) {
        problems.add("it left output at " + out);
      }
      java.util.regex.Matcher trace = STACK_TRACE.matcher(r.out() + r.err());
      if (trace.find()) {
        problems.add("a stack trace on the console ('" + trace.group().strip() + "'); it belongs in the log file");
      }
      if (!problems.isEmpty()) {
        failures.add(name + ": " + String.join("; ", problems) + "\n    " + error);
      }
    }
    assertTrue(failures.isEmpty(), failures.size() + " of " + cases.size() + " cases failed:\n"
        + String.join("\n", failures));
  }
}
