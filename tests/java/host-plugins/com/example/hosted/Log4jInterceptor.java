package com.example.hosted;

import java.util.List;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.interceptor.Interceptor;
import org.apache.log4j.Logger;

/**
 * Test plugin: logs through the log4j 1.x API directly, as older Flume plugins do: one INFO
 * line when built, one ERROR line with an exception per batch, a DEBUG line per batch.
 */
public class Log4jInterceptor implements Interceptor {
  private static final Logger LOG = Logger.getLogger("com.example.log4j.Plugin");

  @Override
  public void initialize() {}

  @Override
  public Event intercept(Event event) {
    return event;
  }

  @Override
  public List<Event> intercept(List<Event> events) {
    LOG.debug("log4j debug line for " + events.size() + " events");
    LOG.error("log4j error with an exception", new IllegalStateException("log4j-stack-marker"));
    return events;
  }

  @Override
  public void close() {}

  /** The builder Flume instantiates by name. */
  public static class Builder implements Interceptor.Builder {
    @Override
    public void configure(Context context) {
      LOG.info("log4j says " + context.getString("word"));
    }

    @Override
    public Interceptor build() {
      return new Log4jInterceptor();
    }
  }
}
