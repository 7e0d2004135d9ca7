package org.apache.flume;

/** A unit of work on a channel: begin, put or take, then commit or rollback, then close. */
public interface Transaction {
  enum TransactionState {
    Started,
    Committed,
    RolledBack,
    Closed
  }

  void begin();

  void commit();

  void rollback();

  void close();
}
