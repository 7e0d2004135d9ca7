package org.apache.flume;

/**
 * Flume 1.6's PollableSource, as plugins built then saw it: no back-off getters (they came in
 * 1.7). Only for compiling tests/java/flume-1.6/plugins; never packed.
 */
public interface PollableSource extends Source {
  Status process() throws EventDeliveryException;

  enum Status {
    READY,
    BACKOFF
  }
}
