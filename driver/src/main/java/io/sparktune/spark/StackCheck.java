package io.sparktune.spark;

import io.sparktune.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Refuses to run on a Spark, Scala or DL4J/ND4J other than the ones this build was compiled against (the
 * usual cause of baffling NoSuchMethodErrors on a cluster whose spark-submit brings its own jars). Spark must
 * match in major.minor, Scala in its binary version, DL4J and ND4J exactly (1.0.0-M2 in the CPU build,
 * 1.0.0-M2.1 in the CUDA build).
 */
public final class StackCheck {
  private StackCheck() {}

  /** What this build expects, from the resource Maven filled in. */
  public record Expected(String spark, String scalaBinary, String dl4j, String nd4jBackend) {
    public static Expected ofBuild() {
      Properties p = new Properties();
      try (InputStream in = StackCheck.class.getResourceAsStream("/io/sparktune/stack.properties")) {
        p.load(in);
      } catch (IOException | NullPointerException e) {
        throw new IllegalStateException("io/sparktune/stack.properties is missing from the sparktune jar", e);
      }
      return new Expected(p.getProperty("spark.version"), p.getProperty("scala.binary.version"),
          p.getProperty("dl4j.version"), p.getProperty("nd4j.backend"));
    }
  }

  /** What this JVM runs. */
  public record Running(String spark, String scala, String dl4j, String nd4j) {
    static Running here() {
      return new Running(org.apache.spark.package$.MODULE$.SPARK_VERSION(), scalaVersion(),
          mavenVersion("org.deeplearning4j", "deeplearning4j-nn"), mavenVersion("org.nd4j", "nd4j-api"));
    }
  }

  /** The running Scala library's version (a top-level helper: the record component {@code scala} hides the package). */
  static String scalaVersion() {
    return scala.util.Properties.versionNumberString();
  }

  /** Every mismatch between what runs and what was expected, as sentences; empty when they fit. */
  public static List<String> problems(Expected want, Running have) {
    List<String> out = new ArrayList<>();
    if (!majorMinor(have.spark()).equals(majorMinor(want.spark()))) {
      out.add("Spark " + have.spark() + " runs, but sparktune was built for Spark " + majorMinor(want.spark()) + ".x ("
          + want.spark() + ")");
    }
    if (!majorMinor(have.scala()).equals(want.scalaBinary())) {
      out.add("Scala " + have.scala() + " runs, but sparktune was built for Scala " + want.scalaBinary()
          + " (use a Spark distribution built for Scala " + want.scalaBinary() + ")");
    }
    if (have.dl4j() != null && !have.dl4j().equals(want.dl4j())) {
      out.add("DL4J " + have.dl4j() + " is on the classpath, but sparktune was built for DL4J " + want.dl4j());
    }
    if (have.nd4j() != null && !have.nd4j().equals(want.dl4j())) {
      out.add("ND4J " + have.nd4j() + " is on the classpath, but sparktune was built for ND4J " + want.dl4j()
          + " (1.0.0-M2.1 is the CUDA build's, mvn -Pcuda)");
    }
    return out;
  }

  /** Throws a clear error naming every mismatch in this JVM ({@code where}: "driver", "executor 3"). */
  public static void require(String where) {
    List<String> problems = problems(Expected.ofBuild(), Running.here());
    if (!problems.isEmpty()) {
      throw new BadInputException("The " + where + " runs a stack sparktune was not built for: "
          + String.join("; ", problems) + ". Run it with the Spark/Scala it was built for (README, 'On a cluster'), "
          + "or rebuild sparktune against yours (-Dspark.version=..., -Dscala.binary.version=...).");
    }
  }

  static String majorMinor(String version) {
    String[] parts = version.split("\\.");
    return parts.length < 2 ? version : parts[0] + "." + parts[1];
  }

  /** The version in a jar's META-INF/maven pom.properties, or null when the jar does not have one. */
  static String mavenVersion(String group, String artifact) {
    try (InputStream in = StackCheck.class.getResourceAsStream(
        "/META-INF/maven/" + group + "/" + artifact + "/pom.properties")) {
      if (in == null) {
        return null;
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      return null;
    }
  }
}
