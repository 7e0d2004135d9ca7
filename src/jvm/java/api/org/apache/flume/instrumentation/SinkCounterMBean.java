package org.apache.flume.instrumentation;

/** The JMX attributes of a sink's counters. */
public interface SinkCounterMBean {
  long getConnectionCreatedCount();

  long getConnectionClosedCount();

  long getConnectionFailedCount();

  long getBatchEmptyCount();

  long getBatchUnderflowCount();

  long getBatchCompleteCount();

  long getEventDrainAttemptCount();

  long getEventDrainSuccessCount();

  long getStartTime();

  long getStopTime();

  String getType();

  long getEventWriteFail();

  long getChannelReadFail();
}
