package org.apache.flume.serialization;

import java.io.Closeable;
import java.io.IOException;

/** Durably records how far a reader has got in a target file. */
public interface PositionTracker extends Closeable {
  void storePosition(long position) throws IOException;

  long getPosition();

  String getTarget();

  @Override
  void close() throws IOException;
}
