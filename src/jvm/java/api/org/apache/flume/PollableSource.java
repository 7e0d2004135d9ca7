package org.apache.flume;

/** A source driven by a runner thread that calls {@link #process()} in a loop. */
public interface PollableSource extends Source {
  Status process() throws EventDeliveryException;

  long getBackOffSleepIncrement();

  long getMaxBackOffSleepInterval();

  enum Status {
    READY,
    BACKOFF
  }
}
