package org.apache.flume.sink;

import org.apache.flume.Channel;
import org.apache.flume.Sink;
import org.apache.flume.lifecycle.LifecycleAware;
import org.apache.flume.lifecycle.LifecycleState;

/** Base of sinks: holds the name, channel and lifecycle state. */
public abstract class AbstractSink implements Sink, LifecycleAware {
  private Channel channel;
  private String name;
  private LifecycleState lifecycleState = LifecycleState.IDLE;

  public AbstractSink() {
  }

  /** @throws IllegalStateException if no channel has been set */
  @Override
  public synchronized void start() {
    if (channel == null) {
      throw new IllegalStateException("No channel configured");
    }
    lifecycleState = LifecycleState.START;
  }

  @Override
  public synchronized void stop() {
    lifecycleState = LifecycleState.STOP;
  }

  @Override
  public synchronized Channel getChannel() {
    return channel;
  }

  @Override
  public synchronized void setChannel(Channel channel) {
    this.channel = channel;
  }

  @Override
  public synchronized LifecycleState getLifecycleState() {
    return lifecycleState;
  }

  @Override
  public synchronized void setName(String name) {
    this.name = name;
  }

  @Override
  public synchronized String getName() {
    return name;
  }

  @Override
  public String toString() {
    return getClass().getName() + "{name:" + name + ", channel:" + channel.getName() + "}";
  }
}
