package org.flumers.bridge;

import java.util.List;
import javax.servlet.http.HttpServletRequest;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.source.http.HTTPSourceHandler;

/**
 * A Java HTTP source handler, made as Flume's HTTPSource makes it (a new instance of the class,
 * {@code configure} with the source's {@code handler.} keys). Each request crosses as one call:
 * the request in, the handler's events out. The handler may be called from several threads
 * at once, as under Jetty.
 */
final class HostedHandler {
  private final HTTPSourceHandler handler;
  private final Class<?> requestClass;

  HostedHandler(Class<?> c, Context ctx) throws Exception {
    requestClass = HttpRequest.requestClass();
    handler = (HTTPSourceHandler) c.newInstance();
    handler.configure(ctx);
  }

  void call(Wire.In in, Wire.Out out) throws Exception {
    HttpRequest request = new HttpRequest(in);
    List<Event> events = handler.getEvents((HttpServletRequest) request.proxy(requestClass));
    if (events == null) {
      // Flume's servlet calls events.size() next: a NullPointerException, answered with 500.
      throw new NullPointerException(handler.getClass().getName() + ".getEvents returned null");
    }
    out.events(events);
  }
}
