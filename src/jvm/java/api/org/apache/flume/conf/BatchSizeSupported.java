package org.apache.flume.conf;

/** A component that takes or puts events in batches of a configured size. */
public interface BatchSizeSupported {
  long getBatchSize();
}
