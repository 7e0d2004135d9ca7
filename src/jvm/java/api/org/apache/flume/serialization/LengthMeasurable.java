package org.apache.flume.serialization;

import java.io.IOException;

/** A stream that knows its total length. */
public interface LengthMeasurable {
  long length() throws IOException;
}
