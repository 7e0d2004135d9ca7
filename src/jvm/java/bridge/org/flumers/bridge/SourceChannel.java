package org.flumers.bridge;

import java.util.ArrayList;
import java.util.List;

import org.apache.flume.Channel;
import org.apache.flume.ChannelException;
import org.apache.flume.Event;
import org.apache.flume.Transaction;
import org.apache.flume.lifecycle.LifecycleState;

/**
 * The one channel a hosted source's ChannelProcessor writes to: a transaction's puts go, at
 * commit, as one batch into the source's flume-rs channel processor (interceptors, selector,
 * the real channels). A refusal comes back as a ChannelException from commit, which Flume's
 * ChannelProcessor hands to the source.
 */
final class SourceChannel implements Channel {
  private final long id;
  private String name;
  private final ThreadLocal<Tx> current = new ThreadLocal<Tx>();

  SourceChannel(long id, String name) {
    this.id = id;
    this.name = name;
  }

  private final class Tx implements Transaction {
    private boolean open;
    private boolean closed;
    private final List<Event> puts = new ArrayList<Event>();

    @Override
    public void begin() {
      open = true;
    }

    @Override
    public void commit() {
      if (!open) {
        throw new IllegalStateException("commit() called when transaction is not open");
      }
      open = false;
      if (puts.isEmpty()) {
        return;
      }
      Wire.Out out = new Wire.Out(64 * puts.size());
      out.events(puts);
      puts.clear();
      Host.up(Host.UP_PUT, id, out.done());
    }

    @Override
    public void rollback() {
      open = false;
      puts.clear();
    }

    @Override
    public void close() {
      closed = true;
      current.remove();
    }
  }

  @Override
  public Transaction getTransaction() {
    Tx tx = current.get();
    if (tx == null || tx.closed) {
      tx = new Tx();
      current.set(tx);
    }
    return tx;
  }

  @Override
  public void put(Event event) throws ChannelException {
    Tx tx = current.get();
    if (tx == null || !tx.open) {
      throw new IllegalStateException("No transaction exists for this thread");
    }
    tx.puts.add(event);
  }

  @Override
  public Event take() throws ChannelException {
    throw new ChannelException("channel " + name + ": a source cannot take events");
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
}
