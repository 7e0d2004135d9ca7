package org.apache.flume.event;

import java.io.UnsupportedEncodingException;
import java.util.Map;
import org.apache.flume.Event;
import org.apache.flume.FlumeException;

/**
 * An event whose body is kept as text, as decoded from JSON; {@link #getBody()} encodes it with
 * the charset set by {@link #setCharset(String)} (UTF-8 unless set).
 */
public class JSONEvent implements Event {
  private Map<String, String> headers;
  private String body;
  private transient String charset = "UTF-8";

  public JSONEvent() {
  }

  @Override
  public Map<String, String> getHeaders() {
    return headers;
  }

  @Override
  public void setHeaders(Map<String, String> headers) {
    this.headers = headers;
  }

  @Override
  public byte[] getBody() {
    if (body == null) {
      return new byte[0];
    }
    try {
      return body.getBytes(charset);
    } catch (UnsupportedEncodingException e) {
      throw new FlumeException(charset + " encoding not supported", e);
    }
  }

  /** Stores the body decoded with the platform's default charset. */
  @Override
  public void setBody(byte[] body) {
    this.body = body == null ? "" : new String(body);
  }

  public void setCharset(String charset) {
    this.charset = charset;
  }
}
