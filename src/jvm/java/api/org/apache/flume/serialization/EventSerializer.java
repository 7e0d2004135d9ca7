package org.apache.flume.serialization;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.flume.Context;
import org.apache.flume.Event;

/**
 * Writes events to an output stream owned by the caller (a file_roll or hdfs sink). The caller
 * calls {@link #afterCreate()} on a new file or {@link #afterReopen()} on an existing one,
 * {@link #write(Event)} per event, {@link #flush()} at batch ends and {@link #beforeClose()}
 * before it closes the stream.
 */
public interface EventSerializer {
  /** Prefix of the sink properties handed to the serializer's builder. */
  String CTX_PREFIX = "serializer.";

  void afterCreate() throws IOException;

  void afterReopen() throws IOException;

  void write(Event event) throws IOException;

  void flush() throws IOException;

  void beforeClose() throws IOException;

  boolean supportsReopen();

  /** Creates a serializer bound to a stream; must have a public no-argument constructor. */
  interface Builder {
    EventSerializer build(Context context, OutputStream out);
  }
}
