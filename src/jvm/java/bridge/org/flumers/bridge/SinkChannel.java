package org.flumers.bridge;

import java.util.List;

import org.apache.flume.Channel;
import org.apache.flume.ChannelException;
import org.apache.flume.Event;
import org.apache.flume.Transaction;
import org.apache.flume.lifecycle.LifecycleState;

/**
 * The channel a hosted sink sees: its transactions are flume-rs channel take transactions.
 * The first take of a transaction fetches a whole batch from flume-rs in one call; the
 * following takes are served from it. Commit tells flume-rs how many events the sink took, so
 * only those are removed from the channel; rollback gives them all back.
 *
 * <p>Transactions are bound to the calling thread and follow Flume's states (begin, then
 * commit or rollback, then close).
 */
final class SinkChannel implements Channel {
  private final long id;
  private String name;
  private final ThreadLocal<Tx> current = new ThreadLocal<Tx>();

  SinkChannel(long id, String name) {
    this.id = id;
    this.name = name;
  }

  private enum State {
    NEW, OPEN, COMPLETED, CLOSED
  }

  private final class Tx implements Transaction {
    private State state = State.NEW;
    private List<Event> batch;
    private int next;
    private int taken;
    private boolean drained;

    @Override
    public void begin() {
      if (state != State.NEW) {
        throw new IllegalStateException("begin() called when transaction is " + state + "!");
      }
      state = State.OPEN;
    }

    Event take() {
      if (state != State.OPEN) {
        throw new IllegalStateException("take() called when transaction is " + state + "!");
      }
      if (batch == null || next == batch.size()) {
        if (drained) {
          return null;
        }
        Wire.Out req = new Wire.Out(8).i32(taken);
        batch = Host.up(Host.UP_TAKE, id, req.done()).events();
        next = 0;
        if (batch.isEmpty()) {
          drained = true;
          return null;
        }
      }
      taken++;
      return batch.get(next++);
    }

    @Override
    public void commit() {
      if (state != State.OPEN) {
        throw new IllegalStateException("commit() called when transaction is " + state + "!");
      }
      state = State.COMPLETED;
      Host.up(Host.UP_COMMIT, id, new Wire.Out(8).i32(taken).done());
    }

    @Override
    public void rollback() {
      if (state != State.OPEN) {
        throw new IllegalStateException("rollback() called when transaction is " + state + "!");
      }
      state = State.COMPLETED;
      Host.up(Host.UP_ROLLBACK, id, new byte[0]);
    }

    @Override
    public void close() {
      if (state == State.OPEN) {
        throw new IllegalStateException(
            "close() called when transaction is OPEN - you must either commit or rollback first");
      }
      if (state == State.CLOSED) {
        throw new IllegalStateException("close() called when transaction is CLOSED!");
      }
      state = State.CLOSED;
      current.remove();
    }
  }

  @Override
  public Transaction getTransaction() {
    Tx tx = current.get();
    if (tx == null || tx.state == State.CLOSED) {
      tx = new Tx();
      current.set(tx);
    }
    return tx;
  }

  @Override
  public Event take() throws ChannelException {
    Tx tx = current.get();
    if (tx == null) {
      throw new IllegalStateException("No transaction exists for this thread");
    }
    return tx.take();
  }

  @Override
  public void put(Event event) throws ChannelException {
    throw new ChannelException("channel " + name + ": a sink cannot put events");
  }

  @Override
  public void start() {}

  @Override
  public void stop() {}

  @Override
  public LifecycleState getLifecycleState() {
    return LifecycleState.START;
  }

  @Override
  public void setName(String name) {
    this.name = name;
  }

  @Override
  public String getName() {
    return name;
  }

  @Override
  public String toString() {
    return "Channel[name: " + name + "]";
  }
}
