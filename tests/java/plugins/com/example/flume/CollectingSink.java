package com.example.flume;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.flume.Channel;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.EventDeliveryException;
import org.apache.flume.Transaction;
import org.apache.flume.conf.BatchSizeSupported;
import org.apache.flume.conf.Configurable;
import org.apache.flume.instrumentation.SinkCounter;
import org.apache.flume.sink.AbstractSink;

/**
 * Takes up to {@code batchSize} events per transaction and records their bodies. A body equal
 * to {@code failOn} fails the batch once (EventDeliveryException, rollback).
 */
public class CollectingSink extends AbstractSink implements Configurable, BatchSizeSupported {
  private final List<String> delivered = Collections.synchronizedList(new ArrayList<String>());
  private int batchSize;
  private String failOn;
  private boolean failed;
  private SinkCounter counter;

  @Override
  public void configure(Context context) {
    batchSize = context.getInteger("batchSize", 100);
    failOn = context.getString("failOn");
    counter = new SinkCounter(getName());
  }

  @Override
  public long getBatchSize() {
    return batchSize;
  }

  @Override
  public synchronized void start() {
    super.start();
    counter.start();
  }

  @Override
  public synchronized void stop() {
    counter.stop();
    super.stop();
  }

  public List<String> delivered() {
    return delivered;
  }

  @Override
  public Status process() throws EventDeliveryException {
    Channel channel = getChannel();
    Transaction tx = channel.getTransaction();
    tx.begin();
    try {
      List<String> batch = new ArrayList<String>();
      for (int i = 0; i < batchSize; i++) {
        Event event = channel.take();
        if (event == null) {
          break;
        }
        String body = new String(event.getBody(), StandardCharsets.UTF_8);
        if (body.equals(failOn) && !failed) {
          failed = true;
          throw new EventDeliveryException("refusing " + body);
        }
        batch.add(body);
      }
      if (batch.isEmpty()) {
        counter.incrementBatchEmptyCount();
      } else if (batch.size() < batchSize) {
        counter.incrementBatchUnderflowCount();
      } else {
        counter.incrementBatchCompleteCount();
      }
      counter.addToEventDrainAttemptCount(batch.size());
      tx.commit();
      delivered.addAll(batch);
      counter.addToEventDrainSuccessCount(batch.size());
      return batch.isEmpty() ? Status.BACKOFF : Status.READY;
    } catch (EventDeliveryException e) {
      tx.rollback();
      counter.incrementEventWriteOrChannelFail(e);
      throw e;
    } catch (RuntimeException e) {
      tx.rollback();
      throw new EventDeliveryException("sink failed", e);
    } finally {
      tx.close();
    }
  }
}
