package org.apache.flume.source;

import org.apache.flume.Source;
import org.apache.flume.channel.ChannelProcessor;
import org.apache.flume.lifecycle.LifecycleState;

/** Base of simple sources: holds the name, channel processor and lifecycle state. */
public abstract class AbstractSource implements Source {
  private ChannelProcessor channelProcessor;
  private String name;
  private LifecycleState lifecycleState = LifecycleState.IDLE;

  public AbstractSource() {
  }

  /** @throws IllegalStateException if no channel processor has been set */
  @Override
  public synchronized void start() {
    if (channelProcessor == null) {
      throw new IllegalStateException("No channel processor configured");
    }
    lifecycleState = LifecycleState.START;
  }

  @Override
  public synchronized void stop() {
    lifecycleState = LifecycleState.STOP;
  }

  @Override
  public synchronized void setChannelProcessor(ChannelProcessor cp) {
    channelProcessor = cp;
  }

  @Override
  public synchronized ChannelProcessor getChannelProcessor() {
    return channelProcessor;
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
    return getClass().getName() + "{name:" + name + ",state:" + lifecycleState + "}";
  }
}
