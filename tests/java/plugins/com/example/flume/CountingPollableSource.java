package com.example.flume;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.EventDeliveryException;
import org.apache.flume.FlumeException;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.instrumentation.SourceCounter;
import org.apache.flume.source.AbstractPollableSource;

/** Emits {@code count} events "<prefix>N" in batches of {@code batchSize}, then backs off. */
public class CountingPollableSource extends AbstractPollableSource {
  private int count;
  private int batchSize;
  private String prefix;
  private int next;
  private SourceCounter counter;

  @Override
  protected void doConfigure(Context context) throws FlumeException {
    count = context.getInteger("count", 10);
    batchSize = context.getInteger("batchSize", 2);
    prefix = context.getString("prefix", "event-");
    if (batchSize <= 0) {
      throw new FlumeException("batchSize must be positive, got " + batchSize);
    }
    if (counter == null) {
      counter = new SourceCounter(getName());
    }
  }

  @Override
  protected void doStart() throws FlumeException {
    counter.start();
  }

  @Override
  protected void doStop() throws FlumeException {
    counter.stop();
  }

  @Override
  protected Status doProcess() throws EventDeliveryException {
    if (next >= count) {
      return Status.BACKOFF;
    }
    List<Event> batch = new ArrayList<Event>();
    while (batch.size() < batchSize && next < count) {
      batch.add(EventBuilder.withBody(prefix + next, StandardCharsets.UTF_8));
      next++;
    }
    counter.addToEventReceivedCount(batch.size());
    counter.incrementAppendBatchReceivedCount();
    getChannelProcessor().processEventBatch(batch);
    counter.addToEventAcceptedCount(batch.size());
    counter.incrementAppendBatchAcceptedCount();
    return Status.READY;
  }
}
