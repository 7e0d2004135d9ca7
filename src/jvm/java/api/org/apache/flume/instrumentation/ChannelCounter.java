package org.apache.flume.instrumentation;

/** The counters of a channel (MBean {@code org.apache.flume.channel:type=<name>}). */
public class ChannelCounter extends MonitoredCounterGroup implements ChannelCounterMBean {
  private static final String CHANNEL_SIZE = "channel.current.size";
  private static final String EVENT_PUT_ATTEMPT = "channel.event.put.attempt";
  private static final String EVENT_TAKE_ATTEMPT = "channel.event.take.attempt";
  private static final String EVENT_PUT_SUCCESS = "channel.event.put.success";
  private static final String EVENT_TAKE_SUCCESS = "channel.event.take.success";
  private static final String CHANNEL_CAPACITY = "channel.capacity";

  private static final String[] ATTRIBUTES = {
    CHANNEL_SIZE, EVENT_PUT_ATTEMPT, EVENT_TAKE_ATTEMPT, EVENT_PUT_SUCCESS, EVENT_TAKE_SUCCESS,
    CHANNEL_CAPACITY
  };

  public ChannelCounter(String name) {
    super(Type.CHANNEL, name, ATTRIBUTES);
  }

  /** With extra counters of a subclass, kept beside the standard ones. */
  public ChannelCounter(String name, String[] attributes) {
    super(Type.CHANNEL, name, Attributes.join(attributes, ATTRIBUTES));
  }

  @Override
  public long getChannelSize() {
    return get(CHANNEL_SIZE);
  }

  public void setChannelSize(long newSize) {
    set(CHANNEL_SIZE, newSize);
  }

  @Override
  public long getEventPutAttemptCount() {
    return get(EVENT_PUT_ATTEMPT);
  }

  public long incrementEventPutAttemptCount() {
    return increment(EVENT_PUT_ATTEMPT);
  }

  @Override
  public long getEventTakeAttemptCount() {
    return get(EVENT_TAKE_ATTEMPT);
  }

  public long incrementEventTakeAttemptCount() {
    return increment(EVENT_TAKE_ATTEMPT);
  }

  @Override
  public long getEventPutSuccessCount() {
    return get(EVENT_PUT_SUCCESS);
  }

  public long addToEventPutSuccessCount(long delta) {
    return addAndGet(EVENT_PUT_SUCCESS, delta);
  }

  @Override
  public long getEventTakeSuccessCount() {
    return get(EVENT_TAKE_SUCCESS);
  }

  public long addToEventTakeSuccessCount(long delta) {
    return addAndGet(EVENT_TAKE_SUCCESS, delta);
  }

  public void setChannelCapacity(long capacity) {
    set(CHANNEL_CAPACITY, capacity);
  }

  @Override
  public long getChannelCapacity() {
    return get(CHANNEL_CAPACITY);
  }

  /** Size as a percentage of capacity; {@link Double#MAX_VALUE} while the capacity is 0. */
  @Override
  public double getChannelFillPercentage() {
    long capacity = getChannelCapacity();
    if (capacity == 0L) {
      return Double.MAX_VALUE;
    }
    return (getChannelSize() / (double) capacity) * 100;
  }
}
