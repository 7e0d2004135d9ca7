package org.apache.flume.interceptor;

import java.util.List;
import org.apache.flume.Event;
import org.apache.flume.conf.Configurable;

/**
 * Inspects or changes events on their way from a source to its channels. Returning null from
 * {@link #intercept(Event)} drops the event; the list form returns the events to keep.
 */
public interface Interceptor {
  void initialize();

  Event intercept(Event event);

  List<Event> intercept(List<Event> events);

  void close();

  /** Creates an interceptor from its configuration; named by the {@code type} property. */
  interface Builder extends Configurable {
    Interceptor build();
  }
}
