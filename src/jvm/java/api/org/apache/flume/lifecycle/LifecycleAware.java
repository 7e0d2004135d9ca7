package org.apache.flume.lifecycle;

/** A component that can be started and stopped and reports its state. */
public interface LifecycleAware {
  void start();

  void stop();

  LifecycleState getLifecycleState();
}
