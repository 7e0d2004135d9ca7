package org.apache.flume.instrumentation;

import org.apache.flume.ChannelException;

/** The counters of a source (MBean {@code org.apache.flume.source:type=<name>}). */
public class SourceCounter extends MonitoredCounterGroup implements SourceCounterMBean {
  private static final String EVENTS_RECEIVED = "src.events.received";
  private static final String EVENTS_ACCEPTED = "src.events.accepted";
  private static final String APPEND_RECEIVED = "src.append.received";
  private static final String APPEND_ACCEPTED = "src.append.accepted";
  private static final String APPEND_BATCH_RECEIVED = "src.append-batch.received";
  private static final String APPEND_BATCH_ACCEPTED = "src.append-batch.accepted";
  private static final String OPEN_CONNECTION_COUNT = "src.open-connection.count";
  private static final String EVENT_READ_FAIL = "src.event.read.fail";
  private static final String CHANNEL_WRITE_FAIL = "src.channel.write.fail";
  private static final String GENERIC_PROCESSING_FAIL = "src.generic.processing.fail";

  private static final String[] ATTRIBUTES = {
    EVENTS_RECEIVED, EVENTS_ACCEPTED, APPEND_RECEIVED, APPEND_ACCEPTED, APPEND_BATCH_RECEIVED,
    APPEND_BATCH_ACCEPTED, OPEN_CONNECTION_COUNT, EVENT_READ_FAIL, CHANNEL_WRITE_FAIL,
    GENERIC_PROCESSING_FAIL
  };

  public SourceCounter(String name) {
    super(Type.SOURCE, name, ATTRIBUTES);
  }

  /** With extra counters of a subclass, kept beside the standard ones. */
  public SourceCounter(String name, String[] attributes) {
    super(Type.SOURCE, name, Attributes.join(attributes, ATTRIBUTES));
  }

  @Override
  public long getEventReceivedCount() {
    return get(EVENTS_RECEIVED);
  }

  public long incrementEventReceivedCount() {
    return increment(EVENTS_RECEIVED);
  }

  public long addToEventReceivedCount(long delta) {
    return addAndGet(EVENTS_RECEIVED, delta);
  }

  @Override
  public long getEventAcceptedCount() {
    return get(EVENTS_ACCEPTED);
  }

  public long incrementEventAcceptedCount() {
    return increment(EVENTS_ACCEPTED);
  }

  public long addToEventAcceptedCount(long delta) {
    return addAndGet(EVENTS_ACCEPTED, delta);
  }

  @Override
  public long getAppendReceivedCount() {
    return get(APPEND_RECEIVED);
  }

  public long incrementAppendReceivedCount() {
    return increment(APPEND_RECEIVED);
  }

  @Override
  public long getAppendAcceptedCount() {
    return get(APPEND_ACCEPTED);
  }

  public long incrementAppendAcceptedCount() {
    return increment(APPEND_ACCEPTED);
  }

  @Override
  public long getAppendBatchReceivedCount() {
    return get(APPEND_BATCH_RECEIVED);
  }

  public long incrementAppendBatchReceivedCount() {
    return increment(APPEND_BATCH_RECEIVED);
  }

  @Override
  public long getAppendBatchAcceptedCount() {
    return get(APPEND_BATCH_ACCEPTED);
  }

  public long incrementAppendBatchAcceptedCount() {
    return increment(APPEND_BATCH_ACCEPTED);
  }

  @Override
  public long getOpenConnectionCount() {
    return get(OPEN_CONNECTION_COUNT);
  }

  public void setOpenConnectionCount(long openConnectionCount) {
    set(OPEN_CONNECTION_COUNT, openConnectionCount);
  }

  public long incrementEventReadFail() {
    return increment(EVENT_READ_FAIL);
  }

  @Override
  public long getEventReadFail() {
    return get(EVENT_READ_FAIL);
  }

  public long incrementChannelWriteFail() {
    return increment(CHANNEL_WRITE_FAIL);
  }

  @Override
  public long getChannelWriteFail() {
    return get(CHANNEL_WRITE_FAIL);
  }

  public long incrementGenericProcessingFail() {
    return increment(GENERIC_PROCESSING_FAIL);
  }

  @Override
  public long getGenericProcessingFail() {
    return get(GENERIC_PROCESSING_FAIL);
  }

  /** Counts a channel write failure for a {@link ChannelException}, else a read failure. */
  public long incrementEventReadOrChannelFail(Throwable t) {
    return t instanceof ChannelException ? incrementChannelWriteFail() : incrementEventReadFail();
  }
}
