package org.apache.flume.serialization;

import java.io.IOException;

/** A reader whose mark can be set to a given position. */
public interface RemoteMarkable {
  void markPosition(long position) throws IOException;

  long getMarkPosition() throws IOException;
}
