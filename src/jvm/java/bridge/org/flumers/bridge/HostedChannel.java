package org.flumers.bridge;

import java.util.ArrayList;
import java.util.List;

import org.apache.flume.Channel;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.Transaction;

/**
 * A Java channel run by flume-rs: created, named and configured as Flume's configuration
 * provider does (setName, then configure with the channel's keys), started and stopped with
 * the agent. flume-rs's sources and sinks use it through whole batches:
 *
 * <ul>
 *   <li>a put is one transaction: getTransaction, begin, put every event, commit, close (on
 *       any exception: rollback, close, and the exception goes back to flume-rs);
 *   <li>a take opens a transaction, takes up to the asked number of events (stopping at the
 *       first null) and leaves it open on the calling thread until flume-rs commits or rolls
 *       it back, from the same thread (Flume's transactions are bound to their thread).
 * </ul>
 */
final class HostedChannel implements Host.Hosted {
  private final Channel channel;
  private final ThreadLocal<Transaction> open = new ThreadLocal<Transaction>();
  private boolean started;

  HostedChannel(Class<?> c, String name, Context ctx) throws Exception {
    channel = (Channel) c.newInstance();
    channel.setName(name);
    Host.configure(channel, ctx);
  }

  /** The channel's transaction capacity when it declares one (Flume 1.9's
   * TransactionCapacitySupported), else -1. */
  long transactionCapacity() {
    try {
      if (channel instanceof org.apache.flume.conf.TransactionCapacitySupported) {
        return ((org.apache.flume.conf.TransactionCapacitySupported) channel)
            .getTransactionCapacity();
      }
    } catch (LinkageError e) {
      // Flume jars older than 1.9 have no such interface.
    }
    return -1;
  }

  void put(List<Event> events) {
    Transaction tx = channel.getTransaction();
    tx.begin();
    try {
      for (Event e : events) {
        channel.put(e);
      }
      tx.commit();
    } catch (Throwable t) {
      rollbackQuietly(tx, t);
      throw sneaky(t);
    } finally {
      tx.close();
    }
  }

  /** Takes up to {@code max} events in a transaction left open on this thread; an empty take
   * is committed and closed at once (as Flume's sinks commit an empty transaction). */
  List<Event> take(int max) {
    if (open.get() != null) {
      throw new IllegalStateException(
          "a take transaction is already open on this thread for channel " + channel.getName());
    }
    Transaction tx = channel.getTransaction();
    tx.begin();
    List<Event> events = new ArrayList<Event>(Math.min(Math.max(max, 0), 1024));
    try {
      while (events.size() < max) {
        Event e = channel.take();
        if (e == null) {
          break;
        }
        events.add(e);
      }
      if (events.isEmpty()) {
        tx.commit();
        tx.close();
        return events;
      }
    } catch (Throwable t) {
      rollbackQuietly(tx, t);
      tx.close();
      throw sneaky(t);
    }
    open.set(tx);
    return events;
  }

  void commit() {
    Transaction tx = open.get();
    if (tx == null) {
      throw new IllegalStateException("no take transaction open on this thread");
    }
    open.remove();
    try {
      tx.commit();
    } catch (Throwable t) {
      rollbackQuietly(tx, t);
      throw sneaky(t);
    } finally {
      tx.close();
    }
  }

  void rollback() {
    Transaction tx = open.get();
    if (tx == null) {
      return;
    }
    open.remove();
    try {
      tx.rollback();
    } finally {
      tx.close();
    }
  }

  private static void rollbackQuietly(Transaction tx, Throwable cause) {
    try {
      tx.rollback();
    } catch (Throwable t) {
      if (t != cause) {
        cause.addSuppressed(t);
      }
    }
  }

  /** Rethrows any throwable unchanged (Host.call turns it into an error record). */
  private static RuntimeException sneaky(Throwable t) {
    Host.<RuntimeException>rethrow(t);
    return new IllegalStateException("unreachable");
  }

  @Override
  public synchronized void start() {
    channel.start();
    started = true;
  }

  @Override
  public synchronized void stop() {
    if (started) {
      started = false;
      channel.stop();
    }
  }

  @Override
  public void close() {
    stop();
  }
}
