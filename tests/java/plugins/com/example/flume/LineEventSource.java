package com.example.flume;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.flume.ChannelException;
import org.apache.flume.Context;
import org.apache.flume.EventDrivenSource;
import org.apache.flume.conf.Configurable;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.instrumentation.SourceCounter;
import org.apache.flume.source.AbstractSource;

/**
 * An event-driven source: on start, a thread puts the {@code lines} (comma-separated) one by
 * one through the channel processor, counting refusals by the channel.
 */
public class LineEventSource extends AbstractSource implements EventDrivenSource, Configurable {
  private String[] lines;
  private String host;
  private SourceCounter counter;
  private Thread worker;

  @Override
  public void configure(Context context) {
    lines = context.getString("lines", "").split(",");
    host = context.getString("host", "unknown");
    counter = new SourceCounter(getName());
  }

  @Override
  public synchronized void start() {
    super.start();
    counter.start();
    worker = new Thread(new Runnable() {
      @Override
      public void run() {
        for (String line : lines) {
          counter.incrementEventReceivedCount();
          Map<String, String> headers = new HashMap<String, String>();
          headers.put("host", host);
          try {
            getChannelProcessor().processEvent(
                EventBuilder.withBody(line, StandardCharsets.UTF_8, headers));
            counter.incrementEventAcceptedCount();
          } catch (ChannelException e) {
            counter.incrementEventReadOrChannelFail(e);
          }
        }
      }
    }, "line-source-" + getName());
    worker.start();
  }

  /** Waits for all lines to be handed over. */
  public void await() throws InterruptedException {
    worker.join();
  }

  @Override
  public synchronized void stop() {
    counter.stop();
    super.stop();
  }
}
