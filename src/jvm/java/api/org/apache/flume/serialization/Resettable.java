package org.apache.flume.serialization;

import java.io.IOException;

/** A reader that can remember a position and go back to it. */
public interface Resettable {
  void mark() throws IOException;

  void reset() throws IOException;
}
