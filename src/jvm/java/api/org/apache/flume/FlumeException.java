package org.apache.flume;

/** Base unchecked exception of the plugin API. */
public class FlumeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public FlumeException(String message) {
    super(message);
  }

  public FlumeException(String message, Throwable cause) {
    super(message, cause);
  }

  public FlumeException(Throwable cause) {
    super(cause);
  }
}
