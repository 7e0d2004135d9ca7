package org.apache.flume.source.http;

import java.util.List;
import javax.servlet.http.HttpServletRequest;
import org.apache.flume.Event;
import org.apache.flume.conf.Configurable;

/**
 * Turns an HTTP request into events for the http source; configured with the source's
 * {@code handler.*} properties. The servlet API must be on the class path at run time.
 */
public interface HTTPSourceHandler extends Configurable {
  /** @throws HTTPBadRequestException to answer 400 Bad Request */
  List<Event> getEvents(HttpServletRequest request) throws HTTPBadRequestException, Exception;
}
