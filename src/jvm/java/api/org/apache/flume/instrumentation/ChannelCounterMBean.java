package org.apache.flume.instrumentation;

/** The JMX attributes of a channel's counters. */
public interface ChannelCounterMBean {
  long getChannelSize();

  long getEventPutAttemptCount();

  long getEventTakeAttemptCount();

  long getEventPutSuccessCount();

  long getEventTakeSuccessCount();

  long getStartTime();

  long getStopTime();

  long getChannelCapacity();

  String getType();

  double getChannelFillPercentage();
}
