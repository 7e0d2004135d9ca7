package org.apache.flume.instrumentation;

import org.apache.flume.ChannelException;

/** The counters of a sink (MBean {@code org.apache.flume.sink:type=<name>}). */
public class SinkCounter extends MonitoredCounterGroup implements SinkCounterMBean {
  private static final String CONNECTION_CREATED = "sink.connection.creation.count";
  private static final String CONNECTION_CLOSED = "sink.connection.closed.count";
  private static final String CONNECTION_FAILED = "sink.connection.failed.count";
  private static final String BATCH_EMPTY = "sink.batch.empty";
  private static final String BATCH_UNDERFLOW = "sink.batch.underflow";
  private static final String BATCH_COMPLETE = "sink.batch.complete";
  private static final String EVENT_DRAIN_ATTEMPT = "sink.event.drain.attempt";
  // The counter's name is spelled this way in Flume; it shows in toString and shutdown logs.
  private static final String EVENT_DRAIN_SUCCESS = "sink.event.drain.sucess";
  private static final String EVENT_WRITE_FAIL = "sink.event.write.fail";
  private static final String CHANNEL_READ_FAIL = "sink.channel.read.fail";

  private static final String[] ATTRIBUTES = {
    CONNECTION_CREATED, CONNECTION_CLOSED, CONNECTION_FAILED, BATCH_EMPTY, BATCH_UNDERFLOW,
    BATCH_COMPLETE, EVENT_DRAIN_ATTEMPT, EVENT_DRAIN_SUCCESS, EVENT_WRITE_FAIL, CHANNEL_READ_FAIL
  };

  public SinkCounter(String name) {
    super(Type.SINK, name, ATTRIBUTES);
  }

  /** With extra counters of a subclass, kept beside the standard ones. */
  public SinkCounter(String name, String[] attributes) {
    super(Type.SINK, name, Attributes.join(attributes, ATTRIBUTES));
  }

  @Override
  public long getConnectionCreatedCount() {
    return get(CONNECTION_CREATED);
  }

  public long incrementConnectionCreatedCount() {
    return increment(CONNECTION_CREATED);
  }

  @Override
  public long getConnectionClosedCount() {
    return get(CONNECTION_CLOSED);
  }

  public long incrementConnectionClosedCount() {
    return increment(CONNECTION_CLOSED);
  }

  @Override
  public long getConnectionFailedCount() {
    return get(CONNECTION_FAILED);
  }

  public long incrementConnectionFailedCount() {
    return increment(CONNECTION_FAILED);
  }

  @Override
  public long getBatchEmptyCount() {
    return get(BATCH_EMPTY);
  }

  public long incrementBatchEmptyCount() {
    return increment(BATCH_EMPTY);
  }

  @Override
  public long getBatchUnderflowCount() {
    return get(BATCH_UNDERFLOW);
  }

  public long incrementBatchUnderflowCount() {
    return increment(BATCH_UNDERFLOW);
  }

  @Override
  public long getBatchCompleteCount() {
    return get(BATCH_COMPLETE);
  }

  public long incrementBatchCompleteCount() {
    return increment(BATCH_COMPLETE);
  }

  @Override
  public long getEventDrainAttemptCount() {
    return get(EVENT_DRAIN_ATTEMPT);
  }

  public long incrementEventDrainAttemptCount() {
    return increment(EVENT_DRAIN_ATTEMPT);
  }

  public long addToEventDrainAttemptCount(long delta) {
    return addAndGet(EVENT_DRAIN_ATTEMPT, delta);
  }

  @Override
  public long getEventDrainSuccessCount() {
    return get(EVENT_DRAIN_SUCCESS);
  }

  public long incrementEventDrainSuccessCount() {
    return increment(EVENT_DRAIN_SUCCESS);
  }

  public long addToEventDrainSuccessCount(long delta) {
    return addAndGet(EVENT_DRAIN_SUCCESS, delta);
  }

  public long incrementEventWriteFail() {
    return increment(EVENT_WRITE_FAIL);
  }

  @Override
  public long getEventWriteFail() {
    return get(EVENT_WRITE_FAIL);
  }

  public long incrementChannelReadFail() {
    return increment(CHANNEL_READ_FAIL);
  }

  @Override
  public long getChannelReadFail() {
    return get(CHANNEL_READ_FAIL);
  }

  /** Counts a channel read failure for a {@link ChannelException}, else a write failure. */
  public long incrementEventWriteOrChannelFail(Throwable t) {
    return t instanceof ChannelException ? incrementChannelReadFail() : incrementEventWriteFail();
  }
}
