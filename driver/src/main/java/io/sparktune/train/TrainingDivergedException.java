package io.sparktune.train;

/** Training diverged (NaN/infinite or blown-up loss) and monitoring.divergence.stop ended the run. */
public final class TrainingDivergedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TrainingDivergedException(String message) {
    super(message);
  }
}
