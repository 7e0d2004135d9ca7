package org.apache.flume;

/** Events could not be delivered; the caller should roll back and retry later. */
public class EventDeliveryException extends Exception {
  private static final long serialVersionUID = 1L;

  public EventDeliveryException() {
    super();
  }

  public EventDeliveryException(String message) {
    super(message);
  }

  public EventDeliveryException(String message, Throwable cause) {
    super(message, cause);
  }

  public EventDeliveryException(Throwable cause) {
    super(cause);
  }
}
