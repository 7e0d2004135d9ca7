package org.apache.flume.channel;

import org.apache.flume.Channel;
import org.apache.flume.Context;
import org.apache.flume.conf.Configurable;
import org.apache.flume.lifecycle.LifecycleAware;
import org.apache.flume.lifecycle.LifecycleState;

/** Base of channels: holds the name and lifecycle state; configure does nothing. */
public abstract class AbstractChannel implements Channel, LifecycleAware, Configurable {
  private String name;
  private LifecycleState lifecycleState = LifecycleState.IDLE;

  public AbstractChannel() {
  }

  @Override
  public synchronized void setName(String name) {
    this.name = name;
  }

  @Override
  public synchronized void start() {
    lifecycleState = LifecycleState.START;
  }

  @Override
  public synchronized void stop() {
    lifecycleState = LifecycleState.STOP;
  }

  @Override
  public synchronized LifecycleState getLifecycleState() {
    return lifecycleState;
  }

  @Override
  public synchronized String getName() {
    return name;
  }

  @Override
  public void configure(Context context) {
  }

  @Override
  public String toString() {
    return getClass().getName() + "{name: " + name + "}";
  }
}
