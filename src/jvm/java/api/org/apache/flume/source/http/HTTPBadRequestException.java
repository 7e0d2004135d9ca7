package org.apache.flume.source.http;

import org.apache.flume.FlumeException;

/** The request could not be turned into events; the http source answers 400. */
public class HTTPBadRequestException extends FlumeException {
  private static final long serialVersionUID = 1L;

  public HTTPBadRequestException(String message) {
    super(message);
  }

  public HTTPBadRequestException(String message, Throwable cause) {
    super(message, cause);
  }

  public HTTPBadRequestException(Throwable cause) {
    super(cause);
  }
}
