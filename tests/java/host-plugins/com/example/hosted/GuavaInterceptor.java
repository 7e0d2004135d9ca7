package com.example.hosted;

import com.google.common.base.Joiner;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.interceptor.Interceptor;

/**
 * Test plugin: reads its configuration with {@code Context.getParameters()} (Guava's
 * ImmutableMap in Flume 1.6–1.9) and formats it with Guava's {@code Joiner}, as many plugins
 * use Guava; every event gets the header {@code params} = its sorted {@code key=value} pairs.
 */
public class GuavaInterceptor implements Interceptor {
  private final String params;

  GuavaInterceptor(String params) {
    this.params = params;
  }

  @Override
  public void initialize() {}

  @Override
  public Event intercept(Event event) {
    event.getHeaders().put("params", params);
    return event;
  }

  @Override
  public List<Event> intercept(List<Event> events) {
    for (Event e : events) {
      intercept(e);
    }
    return events;
  }

  @Override
  public void close() {}

  /** The builder Flume instantiates by name. */
  public static class Builder implements Interceptor.Builder {
    private String params;

    @Override
    public void configure(Context context) {
      Map<String, String> all = context.getParameters();
      params = Joiner.on(',').withKeyValueSeparator("=").join(new TreeMap<String, String>(all));
    }

    @Override
    public Interceptor build() {
      return new GuavaInterceptor(params);
    }
  }
}
