package com.example.hosted;

import java.nio.charset.StandardCharsets;

import org.apache.flume.Context;
import org.apache.flume.EventDrivenSource;
import org.apache.flume.conf.Configurable;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.source.AbstractSource;

/**
 * Test plugin: an event-driven source whose own thread, started by start(), sends
 * {@code count} events "{prefix}-<i>" one by one through processEvent; stop() ends it.
 */
public class TickSource extends AbstractSource implements EventDrivenSource, Configurable {
  private int count;
  private String prefix;
  private Thread thread;

  @Override
  public void configure(Context context) {
    count = context.getInteger("count", 3);
    prefix = context.getString("prefix", "tick");
  }

  @Override
  public synchronized void start() {
    super.start();
    thread = new Thread(new Runnable() {
      @Override
      public void run() {
        for (int i = 0; i < count && !Thread.currentThread().isInterrupted(); i++) {
          getChannelProcessor().processEvent(
              EventBuilder.withBody((prefix + "-" + i).getBytes(StandardCharsets.UTF_8)));
        }
      }
    }, "tick-" + getName());
    thread.start();
  }

  @Override
  public synchronized void stop() {
    thread.interrupt();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    super.stop();
  }
}
