package com.example.hosted;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.flume.ChannelException;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.EventDeliveryException;
import org.apache.flume.PollableSource;
import org.apache.flume.conf.Configurable;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.source.AbstractSource;

/**
 * Test plugin: a pollable source emitting the comma-separated {@code words}, {@code batch} per
 * processEventBatch. A word "!" carries the header dest=full. When the channel processor
 * refuses a batch (ChannelException) the batch is skipped and counted; later events carry the
 * header refused=<count>. BACKOFF once the words are out, with its own back-off settings.
 */
public class WordsSource extends AbstractSource implements PollableSource, Configurable {
  private String[] words;
  private int batch;
  private long increment;
  private long max;
  private int next;
  private int refused;

  @Override
  public void configure(Context context) {
    words = context.getString("words", "").split(",");
    batch = context.getInteger("batch", 1);
    increment = context.getLong("backoffIncrement", 1000L);
    max = context.getLong("maxBackoff", 5000L);
  }

  @Override
  public Status process() throws EventDeliveryException {
    if (next >= words.length) {
      return Status.BACKOFF;
    }
    List<Event> events = new ArrayList<Event>();
    for (int i = next; i < words.length && events.size() < batch; i++) {
      Map<String, String> headers = new HashMap<String, String>();
      if (words[i].equals("!")) {
        headers.put("dest", "full");
      }
      if (refused > 0) {
        headers.put("refused", String.valueOf(refused));
      }
      events.add(EventBuilder.withBody(words[i].getBytes(StandardCharsets.UTF_8), headers));
    }
    next += events.size();
    try {
      getChannelProcessor().processEventBatch(events);
    } catch (ChannelException e) {
      refused++;
    }
    return Status.READY;
  }

  @Override
  public long getBackOffSleepIncrement() {
    return increment;
  }

  @Override
  public long getMaxBackOffSleepInterval() {
    return max;
  }
}
