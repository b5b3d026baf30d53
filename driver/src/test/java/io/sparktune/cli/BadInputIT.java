package io.sparktune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input ends with exit code 2 and one clear sentence, never only a stack trace. */
class BadInputIT {
  @TempDir
  Path dir;

  record Outcome(int code, String err) {}

  Outcome run(String... args) {
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true));
    try {
      return new Outcome(SparktuneCli.execute(args), err.toString());
    } finally {
      System.setErr(old);
    }
  }

  Outcome finetune(String conf, String... sets) {
    List<String> args = new ArrayList<>(List.of("finetune", "--config", conf, "--set", "spark.master=\"local[2]\"",
        "--output", dir.resolve("out").toString()));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    return run(args.toArray(String[]::new));
  }

  static void assertBadInput(Outcome o, String... fragments) {
    assertEquals(2, o.code(), o.err());
    // log lines may precede it when logging first starts inside a test (its console stream is then ours)
    assertTrue(o.err().lines().anyMatch(l -> l.startsWith("error: ")), o.err());
    for (String f : fragments) {
      assertTrue(o.err().contains(f), "missing '" + f + "' in: " + o.err());
    }
  }

  String irisConf() throws Exception {
    Path conf = dir.resolve("iris.conf");
    Files.writeString(conf, "sparktune { model.uri = \"src-test-data/models/dl4j-iris-mlp/trained_iris_model.zip\"\n"
        + " data { format = csv, train-uri = \"" + dir.resolve("iris.csv") + "\", csv.label-column = species\n"
        + " normalization = standardize }\n training.epochs = 1 }\n");
    return conf.toString();
  }

  @Test
  void unknownCommandOrMissingConfigIsUsageError() {
    assertEquals(2, run("train").code());
    assertBadInput(run("finetune"), "--config");
  }

  @Test
  void unknownConfigKeySuggestsTheNearest() {
    assertBadInput(finetune("conf/examples/quickstart.conf", "training.epocs=2"), "Did you mean sparktune.training.epochs");
  }

  @Test
  void missingModelIsNamed() {
    assertBadInput(finetune("conf/examples/quickstart.conf", "model.uri=\"nowhere/model.zip\""), "nowhere/model.zip",
        "does not exist");
  }

  /** Writes iris.csv into the test directory with line {@code lineNumber} (1-based) replaced. */
  void irisWithLine(int lineNumber, String line) throws Exception {
    List<String> lines = new ArrayList<>(Files.readAllLines(Path.of("src-test-data/tabular/iris.csv")));
    lines.set(lineNumber - 1, line);
    Files.write(dir.resolve("iris.csv"), lines);
  }

  @Test
  void malformedCsvRowNamesFileAndLine() throws Exception {
    irisWithLine(42, "5.0,3.5,oops,0.3,setosa");
    assertBadInput(finetune(irisConf()), "iris.csv:42", "'oops'");
  }

  @Test
  void csvRowWithWrongColumnCountNamesFileAndLine() throws Exception {
    irisWithLine(11, "5.0,3.5,setosa");
    assertBadInput(finetune(irisConf()), "iris.csv:11", "expected 5 columns");
  }

  @Test
  void labelOutsideTheConfiguredClassSetIsNamed() throws Exception {
    Files.copy(Path.of("src-test-data/tabular/iris.csv"), dir.resolve("iris.csv"));
    assertBadInput(finetune(irisConf(), "data.classes=[setosa,versicolor]"), "'virginica'", "class set");
  }

  @Test
  void unknownSliceColumnNamesKeyAndHeader() throws Exception {
    Files.copy(Path.of("src-test-data/tabular/iris.csv"), dir.resolve("iris.csv"));
    assertBadInput(finetune(irisConf(), "data.csv.slice-column=region"), "data.csv.slice-column", "'region'",
        "sepal_length");
  }

  @Test
  void imageOfTheWrongSizeIsNamed() throws Exception {
    Path conf = dir.resolve("img.conf");
    Files.writeString(conf, "sparktune { model.uri = \"src-test-data/models/dl4j-mnist-mlp/trained_mnist_model.zip\"\n"
        + " data { format = image-folder, train-uri = \"src-test-data/fashion-mnist-png\", image { height = 32, width = 32 } } }\n");
    assertBadInput(finetune(conf.toString()), ".png", "28x28", "32x32");
  }

  @Test
  void modelWhoseInputDoesNotMatchTheDataIsExplained() throws Exception {
    Files.copy(Path.of("src-test-data/tabular/iris.csv"), dir.resolve("iris.csv"));
    assertBadInput(finetune(irisConf(), "model.uri=\"src-test-data/models/dl4j-mnist-mlp/trained_mnist_model.zip\""),
        "does not accept the data", "vector of 4 features");
  }

  @Test
  void finishedRunIsNotOverwrittenWithoutOverwrite() throws Exception {
    Files.createDirectories(dir.resolve("out"));
    Files.writeString(dir.resolve("out/_COMPLETE"), "done");
    assertBadInput(finetune("conf/examples/quickstart.conf"), "already holds a finished run", "--overwrite");
    assertTrue(Files.exists(dir.resolve("out/_COMPLETE")), "nothing may be lost");
  }

  /** Text data: a broken JSON line and a missing field are named with file and line; scaling token ids is refused. */
  @Test
  void malformedTextRecordsNameFileAndLine() throws Exception {
    Path bad = dir.resolve("bad.jsonl");
    Files.writeString(bad, "{\"text\": \"hello\", \"label\": \"ham\"}\n{\"text\": \"oops\", \"label\": \n");
    assertBadInput(finetune("conf/examples/spam-text.conf", "data.train-uri=\"" + bad + "\"", "data.validation-uri=\"\""),
        "Malformed JSON at file:" + bad + ":2");
    Path noField = dir.resolve("nofield.jsonl");
    Files.writeString(noField, "{\"body\": \"hello\", \"label\": \"ham\"}\n");
    assertBadInput(finetune("conf/examples/spam-text.conf", "data.train-uri=\"" + noField + "\"",
        "data.validation-uri=\"\""), "nofield.jsonl:1 has no field 'text' (data.text.text-field); its fields are [body, label]");
    assertBadInput(finetune("conf/examples/spam-text.conf", "data.normalization=scale-0-1"),
        "sparktune.data.normalization", "token ids, which must not be scaled");
    assertBadInput(finetune("conf/examples/quickstart.conf", "techniques.prefix-tuning.enabled=true"),
        "techniques.prefix-tuning.enabled", "data.format = text");
  }
}
