package org.apache.flume.channel;

import org.apache.flume.ChannelException;
import org.apache.flume.Event;
import org.apache.flume.Transaction;

/**
 * Base of channel transactions. Enforces the protocol NEW -(begin)-> OPEN -(commit or
 * rollback)-> COMPLETED -(close)-> CLOSED (close is also allowed straight from NEW), and that
 * every call comes from the thread that created the transaction; a violation throws
 * {@link IllegalStateException}. An interrupt during a step becomes a {@link ChannelException}
 * (a take returns null instead) with the thread's interrupt flag set again.
 */
public abstract class BasicTransactionSemantics implements Transaction {
  private State state;
  private final long initialThreadId;

  protected void doBegin() throws InterruptedException {
  }

  protected abstract void doPut(Event event) throws InterruptedException;

  protected abstract Event doTake() throws InterruptedException;

  protected abstract void doCommit() throws InterruptedException;

  protected abstract void doRollback() throws InterruptedException;

  protected void doClose() {
  }

  protected BasicTransactionSemantics() {
    state = State.NEW;
    initialThreadId = Thread.currentThread().getId();
  }

  protected void put(Event event) {
    checkThread("put");
    checkState(state == State.OPEN, "put() called when transaction is " + state + "!");
    if (event == null) {
      throw new IllegalArgumentException("put() called with null event!");
    }
    try {
      doPut(event);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChannelException(e.toString(), e);
    }
  }

  protected Event take() {
    checkThread("take");
    checkState(state == State.OPEN, "take() called when transaction is " + state + "!");
    try {
      return doTake();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  protected State getState() {
    return state;
  }

  @Override
  public void begin() {
    checkThread("begin");
    checkState(state == State.NEW, "begin() called when transaction is " + state + "!");
    try {
      doBegin();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChannelException(e.toString(), e);
    }
    state = State.OPEN;
  }

  @Override
  public void commit() {
    checkThread("commit");
    checkState(state == State.OPEN, "commit() called when transaction is " + state + "!");
    try {
      doCommit();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChannelException(e.toString(), e);
    }
    state = State.COMPLETED;
  }

  @Override
  public void rollback() {
    checkThread("rollback");
    checkState(state == State.OPEN, "rollback() called when transaction is " + state + "!");
    state = State.COMPLETED;
    try {
      doRollback();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChannelException(e.toString(), e);
    }
  }

  @Override
  public void close() {
    checkThread("close");
    checkState(state == State.NEW || state == State.COMPLETED, "close() called when transaction is "
        + state + " - you must either commit or rollback first");
    state = State.CLOSED;
    doClose();
  }

  @Override
  public String toString() {
    return "BasicTransactionSemantics: { state:" + state + " initialThreadId:" + initialThreadId
        + " }";
  }

  private void checkThread(String method) {
    checkState(Thread.currentThread().getId() == initialThreadId,
        method + "() called from different thread than getTransaction()!");
  }

  private static void checkState(boolean ok, String message) {
    if (!ok) {
      throw new IllegalStateException(message);
    }
  }

  /** The protocol states of a transaction. */
  protected enum State {
    NEW,
    OPEN,
    COMPLETED,
    CLOSED
  }
}
