package com.example.flume;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.interceptor.Interceptor;

/**
 * Upper-cases the body, sets header {@code <header>=<value>} and every {@code extra.*}
 * property as a header; drops events whose body is "drop".
 */
public class UpperCaseInterceptor implements Interceptor {
  private final String header;
  private final String value;
  private final Map<String, String> extra;
  private boolean initialized;

  UpperCaseInterceptor(String header, String value, Map<String, String> extra) {
    this.header = header;
    this.value = value;
    this.extra = extra;
  }

  @Override
  public void initialize() {
    initialized = true;
  }

  @Override
  public Event intercept(Event event) {
    if (!initialized) {
      throw new IllegalStateException("intercept before initialize");
    }
    String body = new String(event.getBody(), StandardCharsets.UTF_8);
    if (body.equals("drop")) {
      return null;
    }
    event.setBody(body.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
    event.getHeaders().put(header, value);
    event.getHeaders().putAll(extra);
    return event;
  }

  @Override
  public List<Event> intercept(List<Event> events) {
    List<Event> kept = new ArrayList<Event>();
    for (Event e : events) {
      Event out = intercept(e);
      if (out != null) {
        kept.add(out);
      }
    }
    return kept;
  }

  @Override
  public void close() {
    initialized = false;
  }

  public static class Builder implements Interceptor.Builder {
    private String header;
    private String value;
    private Map<String, String> extra;

    @Override
    public void configure(Context context) {
      header = context.getString("header", "upper");
      value = context.getString("value");
      extra = context.getSubProperties("extra.");
    }

    @Override
    public Interceptor build() {
      return new UpperCaseInterceptor(header, value, extra);
    }
  }
}
