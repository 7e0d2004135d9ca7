package org.apache.flume;

import org.apache.flume.lifecycle.LifecycleAware;

/** Buffers events between sources and sinks; every put and take runs inside a transaction. */
public interface Channel extends LifecycleAware, NamedComponent {
  void put(Event event) throws ChannelException;

  Event take() throws ChannelException;

  Transaction getTransaction();
}
