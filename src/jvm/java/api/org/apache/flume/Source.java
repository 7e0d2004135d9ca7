package org.apache.flume;

import org.apache.flume.channel.ChannelProcessor;
import org.apache.flume.lifecycle.LifecycleAware;

/** Produces events and hands them to its channel processor. */
public interface Source extends LifecycleAware, NamedComponent {
  void setChannelProcessor(ChannelProcessor channelProcessor);

  ChannelProcessor getChannelProcessor();
}
