package com.example.hosted;

import java.util.logging.Logger;

import org.apache.flume.Channel;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.EventDeliveryException;
import org.apache.flume.Transaction;
import org.apache.flume.conf.Configurable;
import org.apache.flume.instrumentation.SinkCounter;
import org.apache.flume.sink.AbstractSink;

/**
 * Test and benchmark plugin: takes up to {@code batchSize} events per transaction and counts
 * them, with Flume's SinkCounter (its JMX MBean); logs through java.util.logging every
 * {@code logEvery} events.
 */
public class CountingSink extends AbstractSink implements Configurable {
  private static final Logger LOG = Logger.getLogger(CountingSink.class.getName());
  private int batchSize;
  private long logEvery;
  private long count;
  private SinkCounter counter;

  @Override
  public void configure(Context context) {
    batchSize = context.getInteger("batchSize", 100);
    logEvery = context.getLong("logEvery", 0L);
    if (counter == null) {
      counter = new SinkCounter(getName());
    }
  }

  @Override
  public synchronized void start() {
    counter.start();
    super.start();
  }

  @Override
  public synchronized void stop() {
    counter.stop();
    super.stop();
  }

  @Override
  public Status process() throws EventDeliveryException {
    Channel channel = getChannel();
    Transaction tx = channel.getTransaction();
    tx.begin();
    try {
      int n = 0;
      for (; n < batchSize; n++) {
        Event e = channel.take();
        if (e == null) {
          break;
        }
      }
      counter.addToEventDrainAttemptCount(n);
      tx.commit();
      if (n == 0) {
        counter.incrementBatchEmptyCount();
        return Status.BACKOFF;
      }
      if (n < batchSize) {
        counter.incrementBatchUnderflowCount();
      } else {
        counter.incrementBatchCompleteCount();
      }
      counter.addToEventDrainSuccessCount(n);
      long before = count;
      count += n;
      if (logEvery > 0 && count / logEvery != before / logEvery) {
        LOG.info("counted " + count + " events");
      }
      return Status.READY;
    } catch (Exception e) {
      tx.rollback();
      throw new EventDeliveryException(e);
    } finally {
      tx.close();
    }
  }
}
