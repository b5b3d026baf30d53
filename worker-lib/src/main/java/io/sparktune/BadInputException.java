package io.sparktune;

/**
 * Thrown when user-supplied input (configuration, data, model, paths) is wrong.
 *
 * <p>The message is a whole sentence a user can act on; the CLI prints it without a stack trace and
 * exits with status 2. Anything else that fails at run time is a plain exception and exits with 1.
 */
public class BadInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BadInputException(String message) {
    super(message);
  }

  public BadInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
