package io.sparktune.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.sparktune.BadInputException;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SearchSpaceTest {
  static SearchSpace parse(String hocon) {
    return SearchSpace.parse(ConfigFactory.parseString(hocon), "sparktune.sweep.space");
  }

  static final String SPACE = """
      "training.learning-rate" { log-uniform = [1e-4, 1e-2] }
      "training.batch-size-per-worker" { choice = [16, 32, 64] }
      "techniques.lora.rank" { log-int = [2, 32], when { "techniques.lora.enabled" = true } }
      "techniques.lora.enabled" { choice = [true, false] }
      "x" { uniform = [0, 1] }
      "n" { int = [1, 4] }
      """;

  @Test
  void samplesStayInTheirDomainsAndConditionsHold() {
    SearchSpace space = parse(SPACE);
    List<String> order = space.parameters().stream().map(Parameter::key).toList();
    assertTrue(order.indexOf("techniques.lora.enabled") < order.indexOf("techniques.lora.rank"),
        "a condition comes before what it controls: " + order);
    SplittableRandom rnd = new SplittableRandom(1);
    int withRank = 0;
    for (int i = 0; i < 500; i++) {
      Map<String, Object> v = space.sample(rnd);
      double lr = (Double) v.get("training.learning-rate");
      assertTrue(lr >= 1e-4 && lr <= 1e-2, "lr " + lr);
      assertTrue(List.of(16, 32, 64).contains(v.get("training.batch-size-per-worker")));
      long n = (Long) v.get("n");
      assertTrue(n >= 1 && n <= 4);
      boolean lora = (Boolean) v.get("techniques.lora.enabled");
      assertEquals(lora, v.containsKey("techniques.lora.rank"), "the rank only with LoRA on: " + v);
      if (lora) {
        long r = (Long) v.get("techniques.lora.rank");
        assertTrue(r >= 2 && r <= 32);
        withRank++;
      }
    }
    assertTrue(withRank > 150 && withRank < 350, "LoRA on in about half the samples: " + withRank);
  }

  @Test
  void logDomainsSpreadOverDecades() {
    Domain.Real lr = new Domain.Real(1e-4, 1e-2, true);
    SplittableRandom rnd = new SplittableRandom(2);
    int belowGeometricMean = 0;
    for (int i = 0; i < 2000; i++) {
      if ((Double) lr.sample(rnd) < 1e-3) {
        belowGeometricMean++;
      }
    }
    assertEquals(1000, belowGeometricMean, 100, "half the samples below 1e-3 on a log scale");
    assertEquals(List.of(1e-4, 1e-3, 1e-2), lr.grid(3).stream().map(v -> Math.round((Double) v * 1e6) / 1e6).toList());
    assertEquals(List.of(2L, 5L, 13L, 32L), new Domain.Int(2, 32, true).grid(4), "2 x 16^(k/3), rounded");
  }

  @Test
  void theGridCoversEveryCombinationWithConditions() {
    SearchSpace space = parse("""
        "techniques.lora.enabled" { choice = [true, false] }
        "techniques.lora.rank" { choice = [4, 8], when { "techniques.lora.enabled" = true } }
        "training.learning-rate" { log-uniform = [1e-4, 1e-2] }
        """);
    List<Map<String, Object>> grid = space.grid(2);
    assertEquals((2 + 1) * 2, grid.size(), grid.toString());
    assertEquals(grid.size(), grid.stream().distinct().count());
    assertTrue(grid.stream().noneMatch(g -> Boolean.FALSE.equals(g.get("techniques.lora.enabled"))
        && g.containsKey("techniques.lora.rank")));
  }

  @Test
  void badSpacesNameTheKeyAndWhatIsAllowed() {
    String msg = assertThrows(BadInputException.class, () -> parse("""
        "a" { normal = [0, 1] }
        "b" { uniform = [1, 0] }
        "c" { log-uniform = [0, 1] }
        "d" { int = [0.5, 3] }
        "e" { choice = [1], when { "zz" = 1 } }
        "f" = 3
        """)).getMessage();
    for (String expected : List.of("\"a\": needs exactly one domain", "log-uniform", "\"b\".uniform: must be [min, max] "
        + "with min < max", "\"c\".log-uniform: a logarithmic range needs min > 0", "\"d\".int: the bounds must be "
        + "integers", "'zz' is not a searched key", "\"f\": must be an object")) {
      assertTrue(msg.contains(expected), "missing <" + expected + "> in:\n" + msg);
    }
    assertTrue(assertThrows(BadInputException.class, () -> parse("")).getMessage().contains("empty"));
  }

  @Test
  void numbersCompareByValueInConditions() {
    assertTrue(SearchSpace.sameValue(1L, 1.0));
    assertFalse(SearchSpace.sameValue("1", 2));
  }
}
