package com.example.flume;

import java.io.BufferedReader;
import java.util.ArrayList;
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
 * One event per line of the request body, with headers "tag" (from the X-Tag request header),
 * "stream" (from the query parameter) and "method"; an empty body is a bad request.
 */
public class CsvHttpHandler implements HTTPSourceHandler {
  private String defaultStream;

  @Override
  public void configure(Context context) {
    defaultStream = context.getString("defaultStream", "main");
  }

  @Override
  public List<Event> getEvents(HttpServletRequest request) throws Exception {
    String charset = request.getCharacterEncoding();
    if (charset == null) {
      charset = "UTF-8";
    }
    String stream = request.getParameter("stream");
    List<Event> events = new ArrayList<Event>();
    BufferedReader reader = request.getReader();
    String line;
    while ((line = reader.readLine()) != null) {
      if (line.isEmpty()) {
        continue;
      }
      Map<String, String> headers = new HashMap<String, String>();
      headers.put("tag", request.getHeader("X-Tag"));
      headers.put("stream", stream == null ? defaultStream : stream);
      headers.put("method", request.getMethod());
      events.add(EventBuilder.withBody(line.getBytes(charset), headers));
    }
    if (events.isEmpty()) {
      throw new HTTPBadRequestException("empty request body");
    }
    return events;
  }
}
