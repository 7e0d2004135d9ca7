package org.apache.flume.serialization;

import java.io.IOException;

/** A reader that can jump to an absolute position. */
public interface Seekable {
  void seek(long position) throws IOException;

  long tell() throws IOException;
}
