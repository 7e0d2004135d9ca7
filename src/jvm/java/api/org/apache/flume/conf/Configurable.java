package org.apache.flume.conf;

import org.apache.flume.Context;

/** A component configured from its properties before it starts. */
public interface Configurable {
  void configure(Context context);
}
