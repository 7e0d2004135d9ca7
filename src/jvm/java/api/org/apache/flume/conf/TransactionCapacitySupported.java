package org.apache.flume.conf;

/** A channel whose transactions hold at most a configured number of events. */
public interface TransactionCapacitySupported {
  long getTransactionCapacity();
}
