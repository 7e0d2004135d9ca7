package com.example.hosted;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.interceptor.Interceptor;

/**
 * Test plugin: upper-cases the body and adds the header {@code header} (default "upper") =
 * {@code value} (default "yes"). A body "drop" is dropped (null), a body "boom" throws.
 * Written against Flume's public API only, as a site's plugin would be.
 */
public class UpperCaseInterceptor implements Interceptor {
  private final String header;
  private final String value;

  UpperCaseInterceptor(String header, String value) {
    this.header = header;
    this.value = value;
  }

  @Override
  public void initialize() {}

  @Override
  public Event intercept(Event event) {
    String body = new String(event.getBody(), StandardCharsets.UTF_8);
    if (body.equals("drop")) {
      return null;
    }
    if (body.equals("boom")) {
      throw new IllegalStateException("boom in the interceptor");
    }
    event.setBody(body.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
    event.getHeaders().put(header, value);
    return event;
  }

  @Override
  public List<Event> intercept(List<Event> events) {
    List<Event> out = new ArrayList<Event>(events.size());
    for (Event e : events) {
      Event i = intercept(e);
      if (i != null) {
        out.add(i);
      }
    }
    return out;
  }

  @Override
  public void close() {}

  public static class Builder implements Interceptor.Builder {
    private String header;
    private String value;

    @Override
    public void configure(Context context) {
      header = context.getString("header", "upper");
      value = context.getString("value", "yes");
      // Flume passes the interceptor's own keys, prefix stripped, type included.
      if (!context.getString("type", "").endsWith("UpperCaseInterceptor$Builder")) {
        throw new IllegalArgumentException("unexpected context " + context);
      }
    }

    @Override
    public Interceptor build() {
      return new UpperCaseInterceptor(header, value);
    }
  }
}
