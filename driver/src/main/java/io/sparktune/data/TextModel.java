package io.sparktune.data;

import io.sparktune.BadInputException;
import io.sparktune.config.DataSettings;
import io.sparktune.config.DomainVocabularySettings;
import io.sparktune.config.ModelSettings;
import io.sparktune.io.HadoopFiles;
import io.sparktune.model.ModelFormat;
import io.sparktune.model.Network;
import io.sparktune.model.layers.EmbeddingRows;
import io.sparktune.text.SubTokens;
import io.sparktune.text.Tokenizer;
import io.sparktune.text.Vocabulary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * A text network with its vocabulary: the vocabulary saved beside the model (or a fresh network's one,
 * built from the training split), optionally extended by the training split's own domain tokens with new
 * embedding rows.
 *
 * @param network the network to adapt (with the extended embedding, if any)
 * @param vocabulary the vocabulary the data is tokenised with and that is saved with the model
 * @param report what happened, for metrics.json
 */
public record TextModel(Network network, Vocabulary vocabulary, Map<String, Object> report) {
  private static final Logger log = LoggerFactory.getLogger(TextModel.class);
  public static final String VOCABULARY_FILE = "vocabulary.txt";

  /** The vocabulary beside a model file (or the configured one); null when there is none. */
  public static Vocabulary stored(String modelUri, String vocabularyUri) {
    Path p = vocabularyUri.isBlank() ? new Path(HadoopFiles.path(modelUri).getParent(), VOCABULARY_FILE)
        : HadoopFiles.path(vocabularyUri);
    if (!HadoopFiles.exists(p)) {
      if (!vocabularyUri.isBlank()) {
        throw new BadInputException("data.text.vocabulary-uri '" + vocabularyUri + "' does not exist.");
      }
      return null;
    }
    return Vocabulary.parse(HadoopFiles.readString(p, "vocabulary"), p.toString());
  }

  /** Refuses a vocabulary with more ids than the model's embedding has rows (they were not made together). */
  /** data.text.numeric-fields must feed a two-input model's second input exactly, and only such a model. */
  public static void requireNumericFieldsFit(Network net, io.sparktune.config.TextSettings text, String modelUri) {
    int fields = text.numericFields().size();
    if (net.twoInputs() && fields != net.numericInputWidth()) {
      throw new BadInputException("The model '" + modelUri + "' has a second input of " + net.numericInputWidth()
          + " numeric features, but data.text.numeric-fields names " + fields + " " + text.numericFields()
          + "; name the fields that feed it, in order.");
    }
    if (!net.twoInputs() && fields > 0) {
      throw new BadInputException("data.text.numeric-fields names " + text.numericFields() + ", but the model '"
          + modelUri + "' has one input (token ids); numeric fields need a two-input graph (token ids + numbers).");
    }
  }

  public static void requireFits(Vocabulary vocabulary, Network net, String modelUri) {
    if (vocabulary.size() > net.embeddingRows()) {
      throw new BadInputException("The vocabulary has " + vocabulary.size() + " ids but the embedding of '" + modelUri
          + "' has only " + net.embeddingRows() + " rows: they do not belong together.");
    }
  }

  public static TextModel resolve(JavaSparkContext sc, DataSettings d, ModelSettings m, Network base, long seed) {
    if (!base.wantsTokenInput()) {
      throw new BadInputException("data.format = text needs a model whose first layer is a sequence embedding "
          + "(EmbeddingSequenceLayer) that looks token ids up; the first layer of '" + m.uri() + "' is "
          + base.firstLayerOf(0).getClass().getSimpleName() + ".");
    }
    requireNumericFieldsFit(base, d.text(), m.uri());
    TextSource source = new TextSource(d.text(), null);
    Function<String, Boolean> inTraining = DataPipeline.trainingSplit(d, seed);
    int maxLength = d.text().maxLength();
    org.apache.spark.api.java.JavaRDD<TextSource.LabelledText> texts = null;
    for (String uri : d.trainUris()) {
      texts = texts == null ? source.texts(sc, uri) : texts.union(source.texts(sc, uri));
    }
    JavaPairRDD<String, Long> counts = texts.filter(t -> inTraining.call(t.origin()))
        .flatMap(t -> {
          List<String> tokens = Tokenizer.tokens(t.text());
          return tokens.subList(0, Math.min(maxLength, tokens.size())).iterator();
        })
        .mapToPair(t -> new Tuple2<>(t, 1L)).reduceByKey(Long::sum);
    Map<String, Object> report = new LinkedHashMap<>();
    Vocabulary vocabulary = stored(m.uri(), d.text().vocabularyUri());
    long rows = base.embeddingRows();
    if (vocabulary == null) {
      if (m.format().resolve(m.uri(), !m.weightsUri().isBlank()) != ModelFormat.DL4J_JSON) {
        throw new BadInputException("The text model '" + m.uri() + "' has no vocabulary: put its " + VOCABULARY_FILE
            + " beside it or set data.text.vocabulary-uri. (Only a fresh network from a DL4J JSON configuration "
            + "gets a vocabulary built from the data.)");
      }
      vocabulary = Vocabulary.of(frequent(counts, d.text().minCount(), (int) rows - 2, t -> true));
      report.put("vocabulary-built-from-data", vocabulary.size());
      log.info("Vocabulary built from the training split: {} ids (tokens seen at least {} times, at most {}).",
          vocabulary.size(), d.text().minCount(), rows);
    }
    requireFits(vocabulary, base, m.uri());
    report.put("vocabulary-size", vocabulary.size());
    Network network = base;
    DomainVocabularySettings domain = m.domainVocabulary();
    if (domain.enabled()) {
      Vocabulary known = vocabulary;
      List<String> added = frequent(counts, domain.minCount(), domain.maxNewTokens(), t -> !known.contains(t));
      float[][] newRows = initialRows(added, known, base.layers()[0].getParam("W"), domain.init());
      network = EmbeddingRows.extend(base, known.size(), newRows);
      vocabulary = known.extendedWith(added);
      report.put("domain-tokens-added", added.size());
      report.put("domain-token-examples", added.subList(0, Math.min(20, added.size())));
      report.put("domain-init", domain.init());
      log.info("Domain vocabulary: {} new tokens (seen at least {} times in the training split) added as ids {}..{}, "
          + "rows initialised from {}; e.g. {}", added.size(), domain.minCount(), known.size(), vocabulary.size() - 1,
          domain.init(), added.subList(0, Math.min(10, added.size())));
    }
    return new TextModel(network, vocabulary, report);
  }

  /** Tokens passing {@code keep} seen at least {@code minCount} times, most frequent first (ties by token), at most {@code max}. */
  private static List<String> frequent(JavaPairRDD<String, Long> counts, int minCount, int max,
      Function<String, Boolean> keep) {
    List<Tuple2<String, Long>> c = new ArrayList<>(counts.filter(t -> t._2() >= minCount && keep.call(t._1())).collect());
    c.sort(Comparator.<Tuple2<String, Long>>comparingLong(t -> -t._2()).thenComparing(Tuple2::_1));
    return c.subList(0, Math.min(max, c.size())).stream().map(Tuple2::_1).toList();
  }

  /** Each new token's first row: the mean of its known sub-tokens' rows, else (or for init unk) the unk row. */
  static float[][] initialRows(List<String> added, Vocabulary known, INDArray embedding, String init) {
    float[] unk = embedding.getRow(Vocabulary.UNK_ID).toFloatVector();
    float[][] rows = new float[added.size()][];
    for (int k = 0; k < rows.length; k++) {
      List<String> pieces = init.equals("sub-tokens") ? SubTokens.of(added.get(k), known) : List.of();
      if (pieces.isEmpty()) {
        rows[k] = unk.clone();
        continue;
      }
      float[] mean = new float[unk.length];
      for (String piece : pieces) {
        float[] r = embedding.getRow(known.id(piece)).toFloatVector();
        for (int j = 0; j < mean.length; j++) {
          mean[j] += r[j] / pieces.size();
        }
      }
      rows[k] = mean;
    }
    return rows;
  }
}
