package org.apache.flume;

/** A channel could not complete a put, take or transaction step. */
public class ChannelException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ChannelException(String message) {
    super(message);
  }

  public ChannelException(Throwable cause) {
    super(cause);
  }

  public ChannelException(String message, Throwable cause) {
    super(message, cause);
  }
}
