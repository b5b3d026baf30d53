package io.sparktune.sweep;

import io.sparktune.BadInputException;
import io.sparktune.config.ConfigLoader;
import io.sparktune.config.Redaction;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.config.SweepSettings;
import io.sparktune.io.HadoopFiles;
import io.sparktune.job.FineTuneJob;
import io.sparktune.job.RunDirectory;
import io.sparktune.job.SharedData;
import io.sparktune.spark.SparkContexts;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hyperparameter sweep: the search algorithm proposes configurations, each trial is the configured
 * fine-tune with those keys changed, run by {@link FineTuneJob} (the one fine-tune path) on the shared
 * SparkContext, several at once from driver threads; with one worker per trial each trial's training is
 * one Spark task on one executor, so concurrent trials spread over the cluster. The early-stopping rule
 * looks at every epoch's validation metric; the state is saved after every epoch and trial end, and a
 * resumed sweep continues interrupted trials from their checkpoints and never redoes finished ones.
 */
public final class SweepJob {
  private static final Logger log = LoggerFactory.getLogger(SweepJob.class);

  private final FineTuneSettings base;
  private final SweepSettings sweep;
  private final SearchSpace space;
  private final boolean resume;
  private final boolean overwrite;

  public SweepJob(FineTuneSettings base, boolean resume, boolean overwrite) {
    this.base = base;
    this.sweep = SweepSettings.fromConfig(base.resolved());
    this.space = SearchSpace.parse(sweep.space(), SweepSettings.SPACE);
    this.resume = resume;
    this.overwrite = overwrite;
    checkKeys();
  }

  /** Every searched key takes its domain's extreme values in a valid fine-tune configuration. */
  private void checkKeys() {
    for (Parameter p : space.parameters()) {
      if (p.key().startsWith("sweep.") || p.key().equals("output.uri")) {
        throw new BadInputException(SweepSettings.SPACE + ".\"" + p.key() + "\": a sweep cannot search its own "
            + "settings or the output directory.");
      }
      List<Object> extremes = p.domain().grid(2);
      for (Object v : List.of(extremes.get(0), extremes.get(extremes.size() - 1))) {
        try {
          base.with(p.key(), v, "sweep space");
        } catch (BadInputException e) {
          throw new BadInputException("The sweep's key \"" + p.key() + "\" with the value " + v + " is not a valid "
              + "fine-tune setting:\n" + e.getMessage(), e);
        }
      }
    }
  }

  public SweepResults run() {
    return SparkContexts.with(base.spark(), this::run);
  }

  /** Runs on an existing SparkContext (tests). */
  public SweepResults run(JavaSparkContext sc) {
    HadoopFiles.useConfiguration(sc.hadoopConfiguration());
    String out = base.run().outputUri().replaceAll("/+$", "");
    SweepState state = prepareState(out);
    SearchAlgorithm algorithm = switch (sweep.algorithm()) {
      case "grid" -> new GridSearch(space, sweep.gridPoints());
      case "tpe" -> new TreeParzenEstimator(space, base.seed(), sweep.tpeStartup(), sweep.tpeGamma(), sweep.tpeCandidates());
      default -> new RandomSearch(space, base.seed());
    };
    EarlyStopping stopping = switch (sweep.earlyStopping()) {
      case "asha" -> new Asha(sweep.minEpochs(), base.training().epochs(), sweep.reductionFactor());
      case "hyperband" -> Hyperband.of(sweep.minEpochs(), base.training().epochs(), sweep.reductionFactor());
      case "median" -> new MedianStopping(base.training().epochs(), sweep.graceEpochs(), sweep.minTrials());
      default -> new EarlyStopping.NoEarlyStopping(base.training().epochs());
    };
    int concurrency = sweep.concurrentTrials() > 0 ? sweep.concurrentTrials()
        : Math.max(1, sc.defaultParallelism() / sweep.trialWorkers());
    if (concurrency > 1 && base.training().onDl4jGradientSharing()) {
      throw new BadInputException("sweep.concurrent-trials: gradient-sharing cannot run several trials at once "
          + "(DL4J's gradient sharing runs one training master per application); set sweep.concurrent-trials = 1 "
          + "or use parameter-averaging.");
    }
    log.info("Sweep: {} over {} keys {}, early stopping {}, up to {} trials, {} at a time with {} worker(s) each; "
        + "results in {}", sweep.algorithm(), space.parameters().size(),
        space.parameters().stream().map(Parameter::key).toList(), sweep.earlyStopping(), sweep.maxTrials(),
        concurrency, sweep.trialWorkers(), out);
    long start = System.nanoTime();
    AtomicInteger running = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency, r -> {
      Thread t = new Thread(r, "sweep-trial-" + running.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    CompletionService<Trial> done = new ExecutorCompletionService<>(pool);
    try (SharedData shared = new SharedData()) {
      TrialRunner runner = new TrialRunner(sc, base, sweep, stopping, state, shared, out, start);
      int inFlight = 0;
      for (Trial t : state.trials()) {
        if (t.status() == Trial.Status.RUNNING) { // interrupted when the sweep was killed: continue it
          log.info("Resuming the interrupted {} from its checkpoint.", t.name());
          done.submit(() -> runner.run(t, true));
          inFlight++;
        }
      }
      boolean proposalsLeft = true;
      while (true) {
        while (inFlight < concurrency && !budgetSpent(state, start)) {
          Trial next;
          boolean resumeTrial;
          synchronized (state) {
            EarlyStopping.Promotion p = stopping.promotion(state);
            if (p != null) {
              next = p.trial();
              next.status = Trial.Status.RUNNING;
              next.target = p.epochs();
              resumeTrial = true;
              log.info("ASHA promotes {} (metric {} at epoch {}) to {} epochs.", next.name(),
                  String.format("%.4f", next.metricAt(next.epochs())), next.epochs(), p.epochs());
            } else if (proposalsLeft && state.trials().size() < sweep.maxTrials()) {
              Map<String, Object> values = algorithm.next(state.observations(), state.trials().size());
              if (values == null) {
                proposalsLeft = false;
                break;
              }
              next = state.add(values);
              next.target = stopping.epochsForNewTrial();
              resumeTrial = false;
            } else {
              break;
            }
            state.save();
          }
          Trial trial = next;
          boolean again = resumeTrial;
          done.submit(() -> runner.run(trial, again));
          inFlight++;
        }
        if (inFlight == 0) {
          break;
        }
        done.take().get();
        inFlight--;
        synchronized (state) {
          state.save();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("The sweep was interrupted.", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("A trial thread failed unexpectedly: " + e.getCause(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
    // after the trials, every executor is free to answer (during them one may be busy with a trial's epoch)
    Map<String, Object> memory = io.sparktune.spark.ClusterMemory.peaks(sc);
    SweepResults results = SweepResults.write(out, base, sweep, space, state, (System.nanoTime() - start) / 1e9,
        memory);
    results.print();
    return results;
  }

  private SweepState prepareState(String out) {
    String dir = out + "/state";
    boolean exists = HadoopFiles.exists(HadoopFiles.path(dir)) && !HadoopFiles.list(HadoopFiles.path(dir)).isEmpty();
    if (exists && !resume) {
      if (!overwrite) {
        throw new BadInputException("The sweep output '" + out + "' already holds a sweep. Use --resume to continue it, "
            + "--overwrite to start again, or another --output.");
      }
      HadoopFiles.delete(HadoopFiles.path(out));
    }
    SweepState state = SweepState.load(dir);
    if (resume && state.trials().isEmpty()) {
      log.warn("--resume: no sweep state in {}; starting a new sweep.", dir);
    }
    return state;
  }

  private boolean budgetSpent(SweepState state, long start) {
    if (sweep.maxTotalEpochs() > 0 && state.totalEpochs() >= sweep.maxTotalEpochs()) {
      return true;
    }
    return wallTimeSpent(sweep.maxWallTime(), start);
  }

  static boolean wallTimeSpent(Duration max, long start) {
    return !max.isZero() && System.nanoTime() - start >= max.toNanos();
  }

  /** The fine-tune of one trial: the base configuration with the trial's values and the sweep's run settings. */
  static FineTuneSettings trialSettings(FineTuneSettings base, SweepSettings sweep, Trial t, String out, int run) {
    FineTuneSettings s = withValues(base, t);
    String dir = out + "/trials/" + t.name();
    s = s.with("training.epochs", t.target, "sweep").with("spark.workers", sweep.trialWorkers(), "sweep")
        .with("checkpoint.uri", dir + "/checkpoints", "sweep").with("checkpoint.every-epochs", 1, "sweep")
        .with("monitoring.dashboard.enabled", false, "sweep")
        // references and analyses of a single run: the sweep's table compares the trials themselves
        .with("evaluation.head-only-baseline", false, "sweep").with("evaluation.linear-baseline.enabled", false, "sweep")
        .with("evaluation.worst-examples", 0, "sweep").with("evaluation.feature-importance.enabled", false, "sweep");
    return s.withOutput(dir + "/run-" + run);
  }

  /** The base configuration with the trial's searched values (nothing else changed). */
  static FineTuneSettings withValues(FineTuneSettings base, Trial t) {
    FineTuneSettings s = base;
    for (Map.Entry<String, Object> e : t.values().entrySet()) {
      s = s.with(e.getKey(), e.getValue(), "sweep " + t.name());
    }
    return s;
  }

  /**
   * Renders a configuration without the sweep section or comments, ready for sparktune finetune once the
   * redacted secrets ({@link Redaction}) are given again.
   */
  static String renderForFinetune(FineTuneSettings s) {
    return Redaction.redact(s.resolved().withoutPath(ConfigLoader.ROOT + ".sweep").getConfig(ConfigLoader.ROOT)
        .atKey(ConfigLoader.ROOT)).root().render(com.typesafe.config.ConfigRenderOptions.defaults().setOriginComments(false).setComments(false)
            .setJson(false));
  }

  /** Runs one trial's fine-tune on a sweep thread, recording every epoch in the state. */
  private record TrialRunner(JavaSparkContext sc, FineTuneSettings base, SweepSettings sweep, EarlyStopping stopping,
      SweepState state, SharedData shared, String out, long start) {

    Trial run(Trial t, boolean resumeTrial) {
      long t0 = System.nanoTime();
      int runNumber;
      synchronized (state) {
        t.runs++;
        runNumber = t.runs;
      }
      boolean[] gated = {false};
      String key = "validation-" + sweep.metric();
      // the trial's jobs in their own group: its monitor counts and, on a stall, cancels only them
      sc.setJobGroup(t.name() + "-run-" + runNumber, "sparktune sweep " + t.name(), true);
      try {
        FineTuneSettings s = trialSettings(base, sweep, t, out, runNumber);
        log.info("{} run {}: {} (to epoch {})", t.name(), runNumber, t.values(), t.target);
        FineTuneJob.Result r = new FineTuneJob(s, resumeTrial, true).withSharedData(shared).withGate((epoch, rec) -> {
          synchronized (state) {
            record(t, epoch, rec, key);
            state.save();
            if (wallTimeSpent(sweep.maxWallTime(), start) || !stopping.proceed(t, epoch, state)) {
              gated[0] = true;
              return false;
            }
            return true;
          }
        }).run(sc, new RunDirectory(s.run().outputUri()));
        synchronized (state) {
          @SuppressWarnings("unchecked")
          List<Map<String, Object>> history = (List<Map<String, Object>>) r.metrics().get("history");
          t.history.clear();
          history.forEach(h -> t.history.add(metric(h, key)));
          t.output = r.outputUri();
          t.status = !gated[0] ? Trial.Status.COMPLETED
              : wallTimeSpent(sweep.maxWallTime(), start) ? Trial.Status.STOPPED : stopping.endedStatus();
          if (gated[0] && t.status == Trial.Status.STOPPED && wallTimeSpent(sweep.maxWallTime(), start)) {
            t.error = "stopped: sweep.max-wall-time reached";
          }
        }
        log.info("{} {} after {} epochs: {} {}", t.name(), t.status().name().toLowerCase(java.util.Locale.ROOT),
            t.epochs(), sweep.metric(), String.format("%.4f", t.score()));
      } catch (RuntimeException e) {
        synchronized (state) {
          t.status = Trial.Status.FAILED;
          t.error = rootMessage(e);
        }
        log.warn("{} failed (the sweep goes on): {}", t.name(), rootMessage(e));
      } finally {
        sc.clearJobGroup();
        synchronized (state) {
          t.seconds += (System.nanoTime() - t0) / 1e9;
        }
      }
      return t;
    }

    /** Records the metric of {@code epoch}, dropping any later epochs left by an interrupted run. */
    private static void record(Trial t, int epoch, Map<String, Object> rec, String key) {
      while (t.history.size() >= epoch) {
        t.history.remove(t.history.size() - 1);
      }
      while (t.history.size() < epoch - 1) {
        t.history.add(Double.NaN);
      }
      t.history.add(metric(rec, key));
    }

    private static double metric(Map<String, Object> rec, String key) {
      Object v = rec.get(key);
      return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static String rootMessage(Throwable e) {
      Throwable c = e;
      while (c.getCause() != null && c.getCause() != c) {
        c = c.getCause();
      }
      String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
      return e == c ? m : e.getMessage() + (m.equals(e.getMessage()) ? "" : " (" + m + ")");
    }
  }
}
