package org.apache.flume.channel;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.flume.Channel;
import org.apache.flume.ChannelException;
import org.apache.flume.Event;
import org.apache.flume.Transaction;

/** Runs work on a channel inside one transaction: begin, work, commit; rollback on failure. */
public class ChannelUtils {
  private static final Logger LOG = Logger.getLogger(ChannelUtils.class.getName());

  private ChannelUtils() {
  }

  public static void put(final Channel channel, final Event event) throws ChannelException {
    transact(channel, new Runnable() {
      @Override
      public void run() {
        channel.put(event);
      }
    });
  }

  public static void put(final Channel channel, final Collection<Event> events)
      throws ChannelException {
    transact(channel, new Runnable() {
      @Override
      public void run() {
        for (Event event : events) {
          channel.put(event);
        }
      }
    });
  }

  public static Event take(final Channel channel) throws ChannelException {
    return transact(channel, new Callable<Event>() {
      @Override
      public Event call() {
        return channel.take();
      }
    });
  }

  /** Takes up to {@code max} events, fewer if the channel runs empty. */
  public static List<Event> take(final Channel channel, final int max) throws ChannelException {
    return transact(channel, new Callable<List<Event>>() {
      @Override
      public List<Event> call() {
        List<Event> events = new ArrayList<Event>(max);
        while (events.size() < max) {
          Event event = channel.take();
          if (event == null) {
            break;
          }
          events.add(event);
        }
        return events;
      }
    });
  }

  public static void transact(Channel channel, Runnable transactor) throws ChannelException {
    transact(channel, Executors.callable(transactor));
  }

  /**
   * Runs {@code transactor} in a transaction and returns its result. Runtime exceptions and
   * errors of the work pass through after the rollback; checked ones are wrapped in a
   * {@link ChannelException}. A failure to roll back or (after a failure) to close is logged, not
   * thrown; the thread's interrupt flag is preserved.
   */
  public static <T> T transact(Channel channel, Callable<T> transactor) throws ChannelException {
    Transaction transaction = channel.getTransaction();
    boolean committed = false;
    boolean interrupted = false;
    try {
      transaction.begin();
      T value = transactor.call();
      transaction.commit();
      committed = true;
      return value;
    } catch (Throwable t) {
      interrupted = Thread.currentThread().isInterrupted();
      try {
        transaction.rollback();
      } catch (Throwable rollbackFailure) {
        LOG.log(Level.SEVERE, "Failed to roll back transaction, exception follows:",
            rollbackFailure);
      }
      if (t instanceof InterruptedException) {
        interrupted = true;
      } else if (t instanceof Error) {
        throw (Error) t;
      } else if (t instanceof RuntimeException) {
        throw (RuntimeException) t;
      }
      throw new ChannelException(t);
    } finally {
      interrupted = interrupted || Thread.currentThread().isInterrupted();
      try {
        transaction.close();
      } catch (Throwable closeFailure) {
        if (committed) {
          if (closeFailure instanceof Error) {
            throw (Error) closeFailure;
          } else if (closeFailure instanceof RuntimeException) {
            throw (RuntimeException) closeFailure;
          }
          throw new ChannelException(closeFailure);
        }
        LOG.log(Level.SEVERE, "Failed to close transaction after error, exception follows:",
            closeFailure);
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
