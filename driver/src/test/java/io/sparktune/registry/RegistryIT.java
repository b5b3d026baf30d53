package io.sparktune.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.CliRun;
import io.sparktune.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry through the CLI on two real runs (the iris example fine-tuned with two seeds): versions with
 * lineage, an alias promoted and rolled back, a damaged version never served.
 */
class RegistryIT {
  @TempDir
  Path dir;

  static CliRun cli(String... args) {
    return CliRun.of(args);
  }

  Path run(String name, long seed) {
    Path out = dir.resolve(name);
    assertEquals(0, cli("finetune", "--config", "conf/examples/iris-csv.conf", "--set", "spark.master=\"local[2]\"",
        "--set", "seed=" + seed, "--set", "training.epochs=5", "--set", "monitoring.dashboard.enabled=false",
        "--set", "evaluation.feature-importance.enabled=false", "--output", out.toString()).code());
    return out;
  }

  @Test
  @SuppressWarnings("unchecked")
  void registerPromoteRollBackAndNeverServeADamagedVersion() throws Exception {
    Path first = run("run-1", 1);
    Path second = run("run-2", 2);
    String reg = dir.resolve("registry").toString();
    CliRun r1 = cli("registry", "register", "--registry", reg, "--name", "iris", "--run", first.toString(),
        "--alias", "production");
    assertEquals(0, r1.code(), r1.err());
    assertTrue(r1.out().contains("registered iris version 1"), r1.out());
    assertEquals(0, cli("registry", "register", "--registry", reg, "--name", "iris", "--run", second.toString(),
        "--alias", "candidate").code());

    ModelRegistry registry = new ModelRegistry(reg);
    ModelRegistry.Version v1 = registry.version("iris", 1).orElseThrow();
    assertArrayEquals(Files.readAllBytes(first.resolve("model.zip")), Files.readAllBytes(Path.of(v1.model().toUri())));
    assertEquals("src-test-data/models/dl4j-iris-mlp/trained_iris_model.zip", v1.info().get("parent-model"));
    assertTrue(((String) v1.info().get("data-fingerprint")).startsWith("sha256:"));
    assertEquals(64, ((String) v1.info().get("config-sha256")).length());
    Map<String, Object> metrics = (Map<String, Object>) v1.info().get("metrics");
    assertEquals(Json.readMap(Files.readString(first.resolve("metrics.json"))).get("final"), metrics);

    assertEquals(1, registry.alias("iris", "production").orElseThrow().number());
    assertEquals(0, cli("registry", "promote", "--registry", reg, "--name", "iris", "--version", "2").code());
    assertEquals(2, registry.alias("iris", "production").orElseThrow().number());
    CliRun list = cli("registry", "list", "--registry", reg, "--name", "iris");
    assertTrue(list.out().lines().anyMatch(l -> l.startsWith("2 ") && l.contains("candidate,production")), list.out());

    CliRun back = cli("registry", "rollback", "--registry", reg, "--name", "iris");
    assertEquals(0, back.code(), back.err());
    assertEquals(1, registry.alias("iris", "production").orElseThrow().number(), "rollback is one alias move");
    assertEquals(List.of(1, 2, 1), registry.history("iris", "production").stream()
        .map(ModelRegistry.AliasMove::version).toList(), "every move is kept");
    CliRun show = cli("registry", "show", "--registry", reg, "--name", "iris", "--alias", "production");
    Map<String, Object> shown = Json.readMap(show.out());
    assertEquals(1, ((Number) shown.get("version")).intValue());
    assertEquals(3, ((List<Object>) shown.get("alias-history")).size());

    // a damaged version is not a version: the candidate alias no longer resolves, promoting it is refused
    Path model2 = Path.of(registry.version("iris", 2).orElseThrow().model().toUri());
    byte[] bytes = Files.readAllBytes(model2);
    bytes[bytes.length / 2] ^= 1;
    Files.write(model2, bytes);
    // without Hadoop's own .crc beside it, only the registry's SHA-256 can tell
    Files.deleteIfExists(model2.resolveSibling(".model.zip.crc"));
    assertTrue(registry.alias("iris", "candidate").isEmpty());
    CliRun refused = cli("registry", "promote", "--registry", reg, "--name", "iris", "--version", "2");
    assertEquals(2, refused.code());
    assertTrue(refused.err().contains("has no complete version 2"), refused.err());

    CliRun notRun = cli("registry", "register", "--registry", reg, "--name", "iris", "--run", dir.toString());
    assertEquals(2, notRun.code());
    assertTrue(notRun.err().contains("is not a finished sparktune run"), notRun.err());
  }
}
