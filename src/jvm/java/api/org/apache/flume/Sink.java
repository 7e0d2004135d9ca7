package org.apache.flume;

import org.apache.flume.lifecycle.LifecycleAware;

/** Drains events from one channel. */
public interface Sink extends LifecycleAware, NamedComponent {
  void setChannel(Channel channel);

  Channel getChannel();

  Status process() throws EventDeliveryException;

  enum Status {
    READY,
    BACKOFF
  }
}
