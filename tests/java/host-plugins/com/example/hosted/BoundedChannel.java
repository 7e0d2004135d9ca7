package com.example.hosted;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import org.apache.flume.ChannelException;
import org.apache.flume.ChannelFullException;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.channel.BasicChannelSemantics;
import org.apache.flume.channel.BasicTransactionSemantics;
import org.apache.flume.conf.TransactionCapacitySupported;
import org.apache.flume.instrumentation.ChannelCounter;

/**
 * Test plugin, written as Flume's MemoryChannel is: a bounded in-memory queue on
 * BasicChannelSemantics. A put transaction's events enter the queue at commit, if there is room
 * within {@code keepAliveMs} (else ChannelFullException); a take reserves its events until
 * commit, and a rollback returns them to the head in order. Counts in Flume's ChannelCounter.
 */
public class BoundedChannel extends BasicChannelSemantics implements TransactionCapacitySupported {
  private final Object lock = new Object();
  private final ArrayDeque<Event> queue = new ArrayDeque<Event>();
  /** Events taken by open transactions: they keep their room until commit. */
  private int reserved;
  private int capacity;
  private int transactionCapacity;
  private long keepAliveMs;
  private ChannelCounter counter;

  @Override
  public void configure(Context context) {
    capacity = context.getInteger("capacity", 100);
    transactionCapacity = context.getInteger("transactionCapacity", 100);
    keepAliveMs = context.getLong("keepAliveMs", 100L);
    if (transactionCapacity > capacity) {
      throw new IllegalArgumentException("transactionCapacity " + transactionCapacity
          + " is larger than capacity " + capacity);
    }
    if (counter == null) {
      counter = new ChannelCounter(getName());
    }
  }

  @Override
  public long getTransactionCapacity() {
    return transactionCapacity;
  }

  @Override
  public synchronized void start() {
    counter.start();
    counter.setChannelCapacity(capacity);
    counter.setChannelSize(0);
    super.start();
  }

  @Override
  public synchronized void stop() {
    synchronized (lock) {
      counter.setChannelSize(queue.size());
    }
    counter.stop();
    super.stop();
  }

  @Override
  protected BasicTransactionSemantics createTransaction() {
    return new Tx();
  }

  private final class Tx extends BasicTransactionSemantics {
    private final List<Event> puts = new ArrayList<Event>();
    private final List<Event> takes = new ArrayList<Event>();

    @Override
    protected void doPut(Event event) {
      counter.incrementEventPutAttemptCount();
      if (puts.size() == transactionCapacity) {
        throw new ChannelException("Put queue for BoundedChannel of capacity "
            + transactionCapacity + " full, consider committing more frequently");
      }
      puts.add(event);
    }

    @Override
    protected Event doTake() throws InterruptedException {
      counter.incrementEventTakeAttemptCount();
      if (takes.size() == transactionCapacity) {
        throw new ChannelException("Take list for BoundedChannel of capacity "
            + transactionCapacity + " full, consider committing more frequently");
      }
      synchronized (lock) {
        long deadline = System.currentTimeMillis() + keepAliveMs;
        while (queue.isEmpty()) {
          long left = deadline - System.currentTimeMillis();
          if (left <= 0) {
            return null;
          }
          lock.wait(left);
        }
        Event e = queue.pollFirst();
        reserved++;
        takes.add(e);
        return e;
      }
    }

    @Override
    protected void doCommit() throws InterruptedException {
      synchronized (lock) {
        if (!puts.isEmpty()) {
          long deadline = System.currentTimeMillis() + keepAliveMs;
          while (queue.size() + reserved - takes.size() + puts.size() > capacity) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
              throw new ChannelFullException("Space for commit to queue couldn't be acquired."
                  + " Sinks are likely not keeping up with sources, or the buffer size is too"
                  + " tight");
            }
            lock.wait(left);
          }
          queue.addAll(puts);
        }
        reserved -= takes.size();
        counter.setChannelSize(queue.size());
        lock.notifyAll();
      }
      counter.addToEventPutSuccessCount(puts.size());
      counter.addToEventTakeSuccessCount(takes.size());
      puts.clear();
      takes.clear();
    }

    @Override
    protected void doRollback() {
      synchronized (lock) {
        for (int i = takes.size() - 1; i >= 0; i--) {
          queue.addFirst(takes.get(i));
        }
        reserved -= takes.size();
        counter.setChannelSize(queue.size());
        lock.notifyAll();
      }
      puts.clear();
      takes.clear();
    }
  }
}
