package org.apache.flume;

/** A channel refused a put because it has no room left. */
public class ChannelFullException extends ChannelException {
  private static final long serialVersionUID = 1L;

  public ChannelFullException(String message) {
    super(message);
  }

  public ChannelFullException(Throwable cause) {
    super(cause);
  }

  public ChannelFullException(String message, Throwable cause) {
    super(message, cause);
  }
}
