package org.apache.flume.serialization;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import org.apache.flume.Context;
import org.apache.flume.Event;

/** Reads events from a resettable input (spooling directory source). */
public interface EventDeserializer extends Resettable, Closeable {
  /** Returns the next event, or null at end of input. */
  Event readEvent() throws IOException;

  List<Event> readEvents(int count) throws IOException;

  @Override
  void mark() throws IOException;

  @Override
  void reset() throws IOException;

  @Override
  void close() throws IOException;

  /** Creates a deserializer over an input; must have a public no-argument constructor. */
  interface Builder {
    EventDeserializer build(Context context, ResettableInputStream in);
  }
}
