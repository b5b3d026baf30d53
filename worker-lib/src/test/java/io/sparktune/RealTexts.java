package io.sparktune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktune.model.Network;
import io.sparktune.text.Vocabulary;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Real SpamAssassin messages and the LSTM spam model pre-trained on older ones, from src-test-data. */
public final class RealTexts {
  public static final String MODEL_DIR = "src-test-data/models/spam-lstm/";
  public static final String NEW_TRAIN = "src-test-data/text/spamassassin/new-train.jsonl.gz";

  private RealTexts() {}

  /** The first {@code n} texts of the newer training messages. */
  public static List<String> texts(int n) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<String> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(new FileInputStream(NEW_TRAIN)), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null && out.size() < n; line = r.readLine()) {
        JsonNode node = json.readTree(line);
        out.add(node.get("text").asText());
      }
    }
    return out;
  }

  public static Network model() throws Exception {
    return Network.restore(Files.readAllBytes(Path.of(MODEL_DIR + "model.zip")), false);
  }

  public static Vocabulary vocabulary() throws Exception {
    return Vocabulary.parse(Files.readString(Path.of(MODEL_DIR + "vocabulary.txt")), MODEL_DIR + "vocabulary.txt");
  }
}
