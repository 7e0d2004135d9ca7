package org.apache.flume.channel;

import org.apache.flume.ChannelException;
import org.apache.flume.Event;
import org.apache.flume.Transaction;

/**
 * Base of channels built on {@link BasicTransactionSemantics}: one transaction per thread,
 * created by {@link #createTransaction()} when the thread has none or its last one is closed;
 * {@link #put(Event)} and {@link #take()} go to the calling thread's transaction.
 */
public abstract class BasicChannelSemantics extends AbstractChannel {
  private final ThreadLocal<BasicTransactionSemantics> currentTransaction =
      new ThreadLocal<BasicTransactionSemantics>();
  private volatile boolean initialized = false;

  public BasicChannelSemantics() {
  }

  /** Called once, before the first transaction is created. */
  protected void initialize() {
  }

  protected abstract BasicTransactionSemantics createTransaction();

  /** @throws IllegalStateException if the calling thread has no transaction */
  @Override
  public void put(Event event) throws ChannelException {
    current().put(event);
  }

  /** @throws IllegalStateException if the calling thread has no transaction */
  @Override
  public Event take() throws ChannelException {
    return current().take();
  }

  @Override
  public Transaction getTransaction() {
    if (!initialized) {
      synchronized (this) {
        if (!initialized) {
          initialize();
          initialized = true;
        }
      }
    }
    BasicTransactionSemantics transaction = currentTransaction.get();
    if (transaction == null || transaction.getState() == BasicTransactionSemantics.State.CLOSED) {
      transaction = createTransaction();
      currentTransaction.set(transaction);
    }
    return transaction;
  }

  private BasicTransactionSemantics current() {
    BasicTransactionSemantics transaction = currentTransaction.get();
    if (transaction == null) {
      throw new IllegalStateException("No transaction exists for this thread");
    }
    return transaction;
  }
}
