package org.apache.flume.event;

import java.nio.charset.Charset;
import java.util.HashMap;
import java.util.Map;
import org.apache.flume.Event;

/** Creates {@link SimpleEvent}s. Headers are copied; a null body becomes an empty one. */
public class EventBuilder {
  public EventBuilder() {
  }

  public static Event withBody(byte[] body, Map<String, String> headers) {
    Event event = new SimpleEvent();
    event.setBody(body == null ? new byte[0] : body);
    if (headers != null) {
      event.setHeaders(new HashMap<String, String>(headers));
    }
    return event;
  }

  public static Event withBody(byte[] body) {
    return withBody(body, null);
  }

  public static Event withBody(String body, Charset charset, Map<String, String> headers) {
    return withBody(body.getBytes(charset), headers);
  }

  public static Event withBody(String body, Charset charset) {
    return withBody(body, charset, null);
  }
}
