package com.example.hosted;

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.servlet.http.HttpServletRequest;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.source.http.HTTPBadRequestException;
import org.apache.flume.source.http.HTTPSourceHandler;

/**
 * Test plugin: an HTTP source handler making one event per line of the request body (read
 * with {@code getReader}, so in the request's character encoding). Each body is
 * {@code prefix} (handler.prefix) then what the request said: method, path, query parameter
 * {@code tag}, character encoding, header {@code X-Tag}, the header names, then the line.
 * Parameter {@code fail=bad} throws HTTPBadRequestException, {@code fail=boom} another
 * exception. Written against Flume's public API and the servlet API only.
 */
public class LinesHandler implements HTTPSourceHandler {
  private String prefix = "";

  @Override
  public void configure(Context context) {
    prefix = context.getString("prefix", "");
  }

  @Override
  public List<Event> getEvents(HttpServletRequest request) throws Exception {
    String fail = request.getParameter("fail");
    if ("bad".equals(fail)) {
      throw new HTTPBadRequestException("no lines in that");
    }
    if ("boom".equals(fail)) {
      throw new IllegalStateException("boom in the handler");
    }
    List<String> names = Collections.list(request.getHeaderNames());
    String described = request.getMethod() + "|" + request.getRequestURI() + "|"
        + request.getParameter("tag") + "|" + request.getCharacterEncoding() + "|"
        + request.getHeader("x-tag") + "|" + names.contains("Content-Type") + "|"
        + request.getContentLength() + "|";
    List<Event> events = new ArrayList<Event>();
    BufferedReader reader = request.getReader();
    String line;
    while ((line = reader.readLine()) != null) {
      Map<String, String> headers = new HashMap<String, String>();
      headers.put("h", "1");
      events.add(EventBuilder.withBody((prefix + described + line)
          .getBytes(StandardCharsets.UTF_8), headers));
    }
    return events;
  }
}
