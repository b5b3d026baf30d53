package io.sparktune.job;

import io.sparktune.BadInputException;
import io.sparktune.config.ComparisonSettings;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.data.FeatureStatistics;
import io.sparktune.eval.DegradationCheck;
import io.sparktune.eval.DistributedEvaluator;
import io.sparktune.eval.EvaluationData;
import io.sparktune.eval.EvaluationModel;
import io.sparktune.eval.McNemarTest;
import io.sparktune.eval.MetricsReport;
import io.sparktune.eval.PairedBootstrap;
import io.sparktune.eval.PairedComparison;
import io.sparktune.io.HadoopFiles;
import io.sparktune.spark.SparkContexts;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A/B comparison of two models on the same data, as one distributed pass: both models' full metrics,
 * paired-bootstrap confidence intervals of the metric differences (B - A), McNemar's test on accuracy,
 * the degradation check of B against A, and a one-line verdict. Writes comparison.json.
 */
public final class CompareJob {
  private static final Logger log = LoggerFactory.getLogger(CompareJob.class);

  private final FineTuneSettings s;
  private final String uriA;
  private final String uriB;
  private final boolean overwrite;

  public CompareJob(FineTuneSettings settings, String uriA, String uriB, boolean overwrite) {
    this.s = settings;
    this.uriA = uriA;
    this.uriB = uriB;
    this.overwrite = overwrite;
  }

  public Map<String, Object> run() {
    return SparkContexts.with(s.spark(), sc -> run(sc));
  }

  public Map<String, Object> run(JavaSparkContext sc) {
    Instant start = Instant.now();
    HadoopFiles.useConfiguration(sc.hadoopConfiguration());
    if (s.data().regression()) {
      throw new io.sparktune.BadInputException("compare tests classifiers (McNemar, paired bootstrap of accuracy, "
          + "macro-F1 and log loss); regression models are not supported yet: evaluate each with sparktune evaluate.");
    }
    RunDirectory out = new RunDirectory(s.run().outputUri());
    out.prepare(overwrite, false);

    EvaluationModel a = EvaluationModel.load(uriA, s.model(), s.data().text().vocabularyUri(), s.seed());
    EvaluationModel b = EvaluationModel.load(uriB, s.model(), s.data().text().vocabularyUri(), s.seed());
    if (!a.classes().isEmpty() && !b.classes().isEmpty() && !a.classes().equals(b.classes())) {
      throw new BadInputException("Models A and B were trained for different classes (" + a.classes() + " vs "
          + b.classes() + "); only models of the same task can be compared.");
    }
    if (a.vocabulary() != null && b.vocabulary() != null && !a.vocabulary().format().equals(b.vocabulary().format())) {
      throw new BadInputException("Models A and B are text models with different vocabularies (" + a.vocabulary().size()
          + " and " + b.vocabulary().size() + " ids): the same text would be different token ids for each, which "
          + "compare does not support yet. Evaluate each with sparktune evaluate instead.");
    }
    EvaluationData data = EvaluationData.read(sc, s.data(), a.classes().isEmpty() ? b.classes() : a.classes(),
        a.vocabulary() != null ? a.vocabulary() : b.vocabulary());
    FeatureStatistics[] stats = new FeatureStatistics[1];
    java.util.function.Supplier<FeatureStatistics> statistics = () -> {
      if (stats[0] == null) {
        stats[0] = data.statistics();
      }
      return stats[0];
    };
    int batch = s.run().evalBatchSize();
    int topK = Math.min(s.run().topK(), data.classes().size());
    ComparisonSettings c = s.comparison();
    PairedComparison pc = DistributedEvaluator.compare(sc, a.net(), a.assembler(data, s.data(), batch, statistics),
        b.net(), b.assembler(data, s.data(), batch, statistics), data.records(), data.classes(), topK,
        c.bootstrapReplicates(), s.seed());
    Map<String, Object> metricsA = MetricsReport.toMap(pc.a(), data.classes(), topK);
    Map<String, Object> metricsB = MetricsReport.toMap(pc.b(), data.classes(), topK);
    McNemarTest mcNemar = pc.mcNemar();
    DegradationCheck.Result degradation = DegradationCheck.check(metricsA, metricsB, c.gate());
    String verdict = verdict(pc, mcNemar, c);

    Map<String, Object> report = new LinkedHashMap<>();
    report.put("a", a.uri());
    report.put("b", b.uri());
    report.put("data", data.uri());
    report.put("examples", pc.a().examples());
    report.put("verdict", verdict);
    report.put("differences", differences(pc, metricsA, metricsB, c.confidence()));
    report.put("mcnemar", ordered("only-a-correct", mcNemar.onlyACorrect(), "only-b-correct",
        mcNemar.onlyBCorrect(), "statistic", mcNemar.statistic(), "p-value", mcNemar.pValue(), "method",
        mcNemar.method(), "alpha", c.alpha()));
    report.put("degradation-of-b", ordered("degraded", degradation.degraded(), "explanation", degradation.explain(),
        "checks", degradation.findings()));
    report.put("bootstrap", ordered("replicates", c.bootstrapReplicates(), "confidence", c.confidence(),
        "method", "paired Poisson bootstrap, percentile intervals"));
    report.put("metrics-a", metricsA);
    report.put("metrics-b", metricsB);
    out.writeConfig(s);
    out.writeJson("comparison.json", report);
    out.writeProvenance(Provenance.of(s, "", start, Instant.now(), sc.master()));
    io.sparktune.report.HtmlReport.write(out, "sparktune comparison: A " + a.uri() + " vs B " + b.uri());
    out.markComplete();
    data.release();
    log.info("Comparison written to {}", out.uri());
    System.out.println(verdict);
    System.out.println("Degradation of B against A: " + degradation.explain());
    return report;
  }

  private static Map<String, Object> differences(PairedComparison pc, Map<String, Object> metricsA,
      Map<String, Object> metricsB, double confidence) {
    Map<String, Object> d = new LinkedHashMap<>();
    for (PairedBootstrap.Metric m : PairedBootstrap.Metric.values()) {
      double va = ((Number) metricsA.get(m.key())).doubleValue();
      double vb = ((Number) metricsB.get(m.key())).doubleValue();
      PairedBootstrap.Interval ci = pc.bootstrap().interval(m, confidence);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("a", va);
      row.put("b", vb);
      row.put("difference", vb - va);
      row.put("ci-low", ci.low());
      row.put("ci-high", ci.high());
      row.put("interval-excludes-zero", ci.excludesZero());
      row.put("higher-is-better", m.higherIsBetter());
      d.put(m.key(), row);
    }
    return d;
  }

  private static Map<String, Object> ordered(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  /** One sentence: which model is more accurate, if McNemar's test says so, with the interval and counts. */
  static String verdict(PairedComparison pc, McNemarTest t, ComparisonSettings c) {
    double accA = pc.a().evaluation().accuracy();
    double accB = pc.b().evaluation().accuracy();
    PairedBootstrap.Interval ci = pc.bootstrap().interval(PairedBootstrap.Metric.ACCURACY, c.confidence());
    String detail = String.format(
        "accuracy A %.4f, B %.4f, B - A = %+.2f pp (%.0f%% CI %+.2f to %+.2f pp); McNemar p = %.3g "
            + "(only A right: %d, only B right: %d, %d examples)",
        accA, accB, 100 * (accB - accA), 100 * c.confidence(), 100 * ci.low(), 100 * ci.high(), t.pValue(),
        t.onlyACorrect(), t.onlyBCorrect(), pc.a().examples());
    if (t.pValue() >= c.alpha()) {
      return "VERDICT: no significant difference in accuracy between A and B at alpha " + c.alpha() + ": " + detail
          + ".";
    }
    return "VERDICT: " + (accB > accA ? "B" : "A") + " is significantly more accurate: " + detail + ".";
  }

}
