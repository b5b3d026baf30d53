package io.sparktune.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.File;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What is redacted from rendered configuration and error messages, and what is kept. */
class RedactionTest {
  @AfterEach
  void sparkDefault() {
    Redaction.useSparkRegex(null);
  }

  private static Config load(String... sets) {
    return ConfigLoader.load(new File("conf/examples/iris-csv.conf"), List.of(sets));
  }

  @Test
  void secretKeysAndPasswordsInUrisAreRedactedAndEverythingElseIsKept() {
    String rendered = ConfigLoader.render(load(
        "spark.conf.\"spark.hadoop.fs.s3a.secret.key\"=CANARY1",
        "spark.conf.\"spark.hadoop.fs.s3a.access.key\"=CANARY2",
        "spark.conf.\"spark.hadoop.fs.azure.sas.token\"=CANARY3",
        "spark.conf.\"spark.hadoop.javax.jdo.option.ConnectionPassword\"=CANARY4",
        "spark.conf.\"spark.hadoop.my.db\"=\"postgresql://reader:CANARY5@db.example:5432/x\"",
        "spark.conf.\"spark.executor.memory\"=1g"));
    for (int i = 1; i <= 5; i++) {
      assertFalse(rendered.contains("CANARY" + i), "canary " + i + " in\n" + rendered);
    }
    assertTrue(rendered.contains("postgresql://reader:" + Redaction.REDACTED + "@db.example:5432/x"), rendered);
    assertTrue(rendered.contains("\"spark.executor.memory\"=1g") || rendered.contains("\"spark.executor.memory\" = 1g")
        || rendered.contains("1g"), rendered);
    assertTrue(rendered.contains("src-test-data/tabular/iris.csv"), "ordinary values are kept");
    assertTrue(ConfigLoader.render(load("model.adapt.domain-vocabulary.max-new-tokens=2000")).contains("2000"),
        "a number under a key that mentions tokens is no secret, and best-config.conf must still load");
    assertTrue(ConfigFactory.parseString(rendered).hasPath("sparktune.data.train-uri"), "still HOCON");
  }

  /** Spark's own spark.redaction.regex counts, from the running Spark or from the configuration. */
  @Test
  void sparksRedactionRegexAddsKeys() {
    assertTrue(ConfigLoader.render(load("spark.conf.\"spark.hadoop.corp.vault-pin\"=CANARY6")).contains("CANARY6"),
        "the premise: not sensitive by name");
    assertFalse(ConfigLoader.render(load("spark.conf.\"spark.hadoop.corp.vault-pin\"=CANARY6",
        "spark.conf.\"spark.redaction.regex\"=\"(?i)vault\"")).contains("CANARY6"));
    Redaction.useSparkRegex("(?i)vault");
    assertFalse(ConfigLoader.render(load("spark.conf.\"spark.hadoop.corp.vault-pin\"=CANARY6")).contains("CANARY6"));
  }

  @Test
  void aConfigurationProblemNeverQuotesASecret() {
    Config c = load("spark.conf.\"spark.hadoop.fs.s3a.secret.key\"=CANARY7");
    ConfigProblems p = new ConfigProblems(c);
    p.add("sparktune.spark.conf.\"spark.hadoop.fs.s3a.secret.key\"", "is not allowed here");
    assertEquals(1, p.all().size());
    assertFalse(p.all().get(0).contains("CANARY7"), p.all().get(0));
    assertTrue(p.all().get(0).contains(Redaction.REDACTED), p.all().get(0));
  }
}
