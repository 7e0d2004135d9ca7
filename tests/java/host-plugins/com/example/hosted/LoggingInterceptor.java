package com.example.hosted;

import java.util.List;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.interceptor.Interceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Test plugin: logs through slf4j, as most Flume plugins do: one INFO line when built (with
 * its {@code word} key, through slf4j's {} formatting), one WARN line with an exception per
 * batch, and a DEBUG line per batch (below the agent's default level).
 */
public class LoggingInterceptor implements Interceptor {
  private static final Logger LOG = LoggerFactory.getLogger(LoggingInterceptor.class);

  @Override
  public void initialize() {}

  @Override
  public Event intercept(Event event) {
    return event;
  }

  @Override
  public List<Event> intercept(List<Event> events) {
    LOG.debug("slf4j debug line for {} events", events.size());
    LOG.warn("slf4j warning with an exception", new IllegalStateException("slf4j-stack-marker"));
    return events;
  }

  @Override
  public void close() {}

  /** The builder Flume instantiates by name. */
  public static class Builder implements Interceptor.Builder {
    @Override
    public void configure(Context context) {
      LOG.info("slf4j says {} and {}", context.getString("word"), 42);
    }

    @Override
    public Interceptor build() {
      return new LoggingInterceptor();
    }
  }
}
