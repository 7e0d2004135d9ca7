package com.example.hosted;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;

import org.apache.flume.Channel;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.EventDeliveryException;
import org.apache.flume.Transaction;
import org.apache.flume.conf.Configurable;
import org.apache.flume.sink.AbstractSink;

/**
 * Test plugin, written as Flume's own sinks are: takes up to {@code batchSize} events in one
 * transaction, appends each body and a newline to {@code file}, commits. Its first
 * {@code failTimes} non-empty transactions (all of them when negative) throw
 * EventDeliveryException after a rollback, as a sink whose destination refuses does.
 */
public class FlakySink extends AbstractSink implements Configurable {
  private String file;
  private int batchSize;
  private int failTimes;
  private int failures;
  private OutputStream out;

  @Override
  public void configure(Context context) {
    file = context.getString("file");
    batchSize = context.getInteger("batchSize", 10);
    failTimes = context.getInteger("failTimes", 0);
    if (file == null) {
      throw new IllegalArgumentException("file is required");
    }
  }

  @Override
  public synchronized void start() {
    try {
      out = new FileOutputStream(file, true);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    super.start();
  }

  @Override
  public synchronized void stop() {
    try {
      out.close();
    } catch (IOException e) {
      // closing
    }
    super.stop();
  }

  @Override
  public Status process() throws EventDeliveryException {
    Channel channel = getChannel();
    Transaction tx = channel.getTransaction();
    tx.begin();
    try {
      StringBuilder batch = new StringBuilder();
      int n = 0;
      for (; n < batchSize; n++) {
        Event e = channel.take();
        if (e == null) {
          break;
        }
        batch.append(new String(e.getBody(), "UTF-8")).append('\n');
      }
      if (n == 0) {
        tx.commit();
        return Status.BACKOFF;
      }
      if (failTimes < 0 || failures < failTimes) {
        failures++;
        throw new EventDeliveryException("destination refused a batch of " + n);
      }
      out.write(batch.toString().getBytes("UTF-8"));
      out.flush();
      tx.commit();
      return Status.READY;
    } catch (EventDeliveryException e) {
      tx.rollback();
      throw e;
    } catch (Exception e) {
      tx.rollback();
      throw new EventDeliveryException(e);
    } finally {
      tx.close();
    }
  }
}
