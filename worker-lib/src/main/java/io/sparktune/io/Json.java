package io.sparktune.io;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/** One Jackson mapper for every JSON file sparktune writes (pretty, key order kept). */
public final class Json {
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private static final ObjectMapper COMPACT = new ObjectMapper();

  private Json() {}

  /** One line of JSON (for JSON Lines files). */
  public static String writeLine(Object value) {
    try {
      return COMPACT.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Map<String, Object> readMap(String json) {
    try {
      return MAPPER.readValue(json, new TypeReference<Map<String, Object>>() {});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void writeFile(Path p, Object value) {
    HadoopFiles.writeString(p, write(value) + "\n");
  }

  /** As {@link #writeFile}, owner-only ({@link HadoopFiles#writePrivateString}). */
  public static void writePrivateFile(Path p, Object value) {
    HadoopFiles.writePrivateString(p, write(value) + "\n");
  }
}
