package org.apache.flume;

import java.util.List;
import org.apache.flume.conf.Configurable;
import org.apache.flume.lifecycle.LifecycleAware;

/** Drives a group of sinks (default, failover, load balancing). */
public interface SinkProcessor extends LifecycleAware, Configurable {
  Sink.Status process() throws EventDeliveryException;

  void setSinks(List<Sink> sinks);
}
