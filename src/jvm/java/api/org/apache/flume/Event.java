package org.apache.flume;

import java.util.Map;

/** A unit of data: a map of string headers and an opaque byte body. */
public interface Event {
  Map<String, String> getHeaders();

  void setHeaders(Map<String, String> headers);

  byte[] getBody();

  void setBody(byte[] body);
}
